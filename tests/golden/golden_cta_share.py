"""Golden cases: calls to action and share/social widgets."""

from __future__ import annotations

from golden_common import ART, ART2, Case

P = "<p>{}</p>"

CASES: list[Case] = [
    Case(
        id="cta-ai-summary-box",
        kind="call_to_action",
        lang="en",
        input='<div class="ai-summary-cta"><p>No time to read?</p><p><a href="/s">Get a summary'
        "</a></p></div>" + P.format(ART["en"]),
        keep=[ART["en"]],
        gone=["No time to read?", "Get a summary"],
    ),
    Case(
        id="cta-ai-summary-bare",
        kind="call_to_action",
        lang="en",
        input="<p>No time to read?</p><p>Get a summary</p>" + P.format(ART["en"]),
        keep=[ART["en"]],
        gone=["No time to read?", "Get a summary"],
    ),
    Case(
        id="cta-ai-summary-text",
        kind="call_to_action",
        lang="en",
        format="text",
        input=f"No time to read?\nGet a summary\n\n{ART['en']}\n\nNo time to read?\nGet a summary",
        keep=[ART["en"]],
        gone=["No time to read?", "Get a summary"],
    ),
    Case(
        id="cta-newsletter-box",
        kind="call_to_action",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="newsletter-signup"><h3>Subscribe to our newsletter</h3><p>Get the best '
        "stories every morning.</p><a href='/join'>Sign up</a></div>",
        keep=[ART["en"]],
        gone=["Subscribe to our newsletter", "Get the best stories"],
    ),
    Case(
        id="cta-newsletter-phrase",
        kind="call_to_action",
        lang="en",
        input=P.format(ART["en"]) + "<p><strong>Sign up for our free newsletter</strong></p>",
        keep=[ART["en"]],
        gone=["Sign up for our free newsletter"],
    ),
    Case(
        id="cta-newsletter-pattern",
        kind="call_to_action",
        lang="en",
        input=P.format(ART["en"])
        + "<p>Subscribe to our weekly climate newsletter for more reporting like this.</p>",
        keep=[ART["en"]],
        gone=["weekly climate newsletter"],
    ),
    Case(
        id="cta-newsletter-fr",
        kind="call_to_action",
        lang="fr",
        input=P.format(ART["fr"]) + "<p>Abonnez-vous à notre newsletter</p>",
        keep=[ART["fr"]],
        gone=["Abonnez-vous"],
    ),
    Case(
        id="cta-newsletter-de",
        kind="call_to_action",
        lang="de",
        input=P.format(ART["de"]) + "<p>Newsletter abonnieren</p>",
        keep=[ART["de"]],
        gone=["Newsletter abonnieren"],
    ),
    Case(
        id="cta-newsletter-es-text",
        kind="call_to_action",
        lang="es",
        format="text",
        input=f"{ART['es']}\nSuscríbete a nuestro boletín",
        keep=[ART["es"]],
        gone=["Suscríbete"],
    ),
    Case(
        id="cta-newsletter-pt",
        kind="call_to_action",
        lang="pt",
        input=P.format(ART["pt"]) + "<p>Assine nossa newsletter</p>",
        keep=[ART["pt"]],
        gone=["Assine nossa newsletter"],
    ),
    Case(
        id="cta-newsletter-ru",
        kind="call_to_action",
        lang="ru",
        input=P.format(ART["ru"]) + "<p>Подпишитесь на наш телеграм-канал, чтобы не пропустить</p>",
        keep=[ART["ru"]],
        gone=["Подпишитесь"],
    ),
    Case(
        id="cta-keep-long-paragraph-with-phrase",
        kind="none",
        lang="en",
        input="<p>Subscribe to our newsletter, the minister joked, before announcing that the "
        "port authority would publish every contract online and open its books to auditors "
        "from three independent firms starting next quarter.</p>",
        keep=["the minister joked", "open its books to auditors"],
        gone=[],
    ),
    Case(
        id="share-sharedaddy",
        kind="share_social",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3><ul><li>'
        '<a href="/s?x">Click to share on X</a></li><li><a href="/s?f">Click to share on '
        "Facebook</a></li></ul></div>",
        keep=[ART["en"]],
        gone=["Share this:", "Click to share on X", "Facebook"],
    ),
    Case(
        id="share-addtoany",
        kind="share_social",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="addtoany_share_save_container addtoany_content"><div class="a2a_kit">'
        '<a href="/a2a?tw">Twitter</a><a href="/a2a?em">Email</a></div></div>',
        keep=[ART["en"]],
        gone=["Twitter", "Email"],
    ),
    Case(
        id="share-social-links-list",
        kind="share_social",
        lang="en",
        input=P.format(ART["en"])
        + '<ul class="social-links"><li><a href="https://x.com/ex">Follow on X</a></li>'
        '<li><a href="https://facebook.com/ex">Like on Facebook</a></li></ul>',
        keep=[ART["en"]],
        gone=["Follow on X", "Like on Facebook"],
    ),
    Case(
        id="share-bare-phrases",
        kind="share_social",
        lang="en",
        input=P.format(ART["en"])
        + "<p>Share this:</p><p><a href='/x'>Click to share on X (Opens in new window)</a></p>"
        "<p>Like this:</p><p>Like Loading...</p>",
        keep=[ART["en"]],
        gone=["Share this", "Click to share", "Like Loading"],
    ),
    Case(
        id="share-network-row",
        kind="share_social",
        lang="en",
        input=P.format(ART["en"]) + "<p>Facebook | Twitter | LinkedIn | Email</p>",
        keep=[ART["en"]],
        gone=["LinkedIn"],
    ),
    Case(
        id="share-text-lines",
        kind="share_social",
        lang="en",
        format="text",
        input=f"{ART['en']}\n\nShare this:\nClick to share on X\nClick to share on Facebook",
        keep=[ART["en"]],
        gone=["Share this", "Click to share"],
    ),
    Case(
        id="share-fr",
        kind="share_social",
        lang="fr",
        input=P.format(ART["fr"]) + "<p>Partager :</p><p>Partager sur Facebook</p>",
        keep=[ART["fr"]],
        gone=["Partager :"],
    ),
    Case(
        id="share-de",
        kind="share_social",
        lang="de",
        input=P.format(ART["de"]) + "<h4>Diesen Artikel teilen</h4>",
        keep=[ART["de"]],
        gone=["Diesen Artikel teilen"],
    ),
    Case(
        id="share-es-pt-ru",
        kind="share_social",
        lang="es",
        input=P.format(ART["es"]) + "<p>Compartir:</p>" + P.format(ART2["es"])
        + "<p>Compartilhe:</p><p>Поделиться</p>",
        keep=[ART["es"], ART2["es"]],
        gone=["Compartir:", "Compartilhe", "Поделиться"],
    ),
    Case(
        id="share-keep-article-wrapped-in-social-class",
        kind="none",
        lang="en",
        input='<div class="social-issues">' + P.format(ART["en"]) + P.format(ART2["en"])
        + P.format(ART["en"].replace("Tuesday", "Wednesday")) + "</div>",
        keep=[ART["en"], ART2["en"]],
        gone=[],
    ),
]
