"""Golden cases: comment counts, ads and trackers."""

from __future__ import annotations

from golden_common import ART, ART2, Case

P = "<p>{}</p>"

CASES: list[Case] = [
    Case(
        id="comments-count-link",
        kind="comment_count",
        lang="en",
        input=P.format(ART["en"]) + "<p><a href='/p#comments'>12 Comments</a></p>",
        keep=[ART["en"]],
        gone=["12 Comments"],
    ),
    Case(
        id="comments-inline-in-meta-line",
        kind="comment_count",
        lang="en",
        input=f"<p>{ART['en']} <a href='/p#respond'>Leave a comment</a></p>",
        keep=[ART["en"]],
        gone=["Leave a comment"],
    ),
    Case(
        id="comments-class",
        kind="comment_count",
        lang="en",
        input=P.format(ART["en"])
        + '<span class="comments-link"><a href="/c">3 responses</a></span>',
        keep=[ART["en"]],
        gone=["3 responses"],
    ),
    Case(
        id="comments-text",
        kind="comment_count",
        lang="en",
        format="text",
        input=f"{ART['en']}\n\n5 comments\nView comments",
        keep=[ART["en"]],
        gone=["5 comments", "View comments"],
    ),
    Case(
        id="comments-fr-de",
        kind="comment_count",
        lang="fr",
        input=P.format(ART["fr"]) + "<p>4 commentaires</p><p>Kommentare (7)</p>",
        keep=[ART["fr"]],
        gone=["4 commentaires", "Kommentare (7)"],
    ),
    Case(
        id="comments-es-pt-ru",
        kind="comment_count",
        lang="es",
        input=P.format(ART["es"]) + "<p>Deja un comentario</p><p>2 comentários</p>"
        "<p>15 комментариев</p>",
        keep=[ART["es"]],
        gone=["Deja un comentario", "2 comentários", "15 комментариев"],
    ),
    Case(
        id="comments-keep-sentence",
        kind="none",
        lang="en",
        input="<p>12 comments were submitted to the planning inquiry, most of them asking the "
        "council to protect the old lighthouse and the fishing cooperative.</p>",
        keep=["12 comments were submitted"],
        gone=[],
    ),
    Case(
        id="ads-slot-class",
        kind="ads_trackers",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="ad-slot ad-slot-inline"><p>Advertisement</p><a href="https://ads.ex/c">'
        "Buy boats now</a></div>" + P.format(ART2["en"]),
        keep=[ART["en"], ART2["en"]],
        gone=["Advertisement", "Buy boats now"],
    ),
    Case(
        id="ads-adsbygoogle",
        kind="ads_trackers",
        lang="en",
        input=P.format(ART["en"]) + '<ins class="adsbygoogle">Sponsored links here</ins>',
        keep=[ART["en"]],
        gone=["Sponsored links here"],
    ),
    Case(
        id="ads-label-lines",
        kind="ads_trackers",
        lang="en",
        input=P.format(ART["en"]) + "<p>ADVERTISEMENT</p>" + P.format(ART2["en"])
        + "<p>Story continues below advertisement</p>",
        keep=[ART["en"], ART2["en"]],
        gone=["ADVERTISEMENT", "Story continues below"],
    ),
    Case(
        id="ads-labels-languages",
        kind="ads_trackers",
        lang="de",
        input=P.format(ART["de"]) + "<p>Anzeige</p><p>Publicité</p><p>Publicidad</p>"
        "<p>Publicidade</p><p>Реклама</p>",
        keep=[ART["de"]],
        gone=["Anzeige", "Publicité", "Publicidad", "Publicidade", "Реклама"],
    ),
    Case(
        id="ads-sponsored-text",
        kind="ads_trackers",
        lang="en",
        format="text",
        input=f"{ART['en']}\nAdvertisement\n{ART2['en']}",
        keep=[ART["en"], ART2["en"]],
        gone=["Advertisement"],
    ),
    Case(
        id="ads-tracking-pixels",
        kind="ads_trackers",
        lang="en",
        input=P.format(ART["en"])
        + '<img src="https://pixel.wp.com/g.gif?blog=1&amp;post=2" width="1" height="1" alt="">'
        '<img src="https://www.google-analytics.com/collect?v=1&amp;tid=UA-1" alt="">'
        '<p><img src="https://cdn.example/harbour.jpg" alt="The harbour at dawn"></p>',
        keep=[ART["en"]],
        gone=[],
    ),
    Case(
        id="ads-feedburner-flare",
        kind="ads_trackers",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="feedflare"><a href="http://feeds.feedburner.com/~ff/Harbour?a=x1">'
        '<img src="http://feeds.feedburner.com/~ff/Harbour?d=yIl2AUoC8zA"></a></div>'
        '<img src="http://feeds.feedburner.com/~r/Harbour/~4/abc123" height="1" width="1">',
        keep=[ART["en"]],
        gone=[],
    ),
    Case(
        id="ads-keep-article-in-sponsor-word",
        kind="none",
        lang="en",
        input="<p>Advertisement revenue at the regional paper fell by a third, the publisher "
        "said, while subscriptions to the harbour newsletter kept growing every month.</p>",
        keep=["Advertisement revenue at the regional paper"],
        gone=[],
    ),
]
