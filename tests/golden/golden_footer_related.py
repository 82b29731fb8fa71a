"""Golden cases: syndication footers and related / read-more blocks."""

from __future__ import annotations

from golden_common import ART, ART2, Case

P = "<p>{}</p>"

CASES: list[Case] = [
    Case(
        id="footer-appeared-first",
        kind="syndication_footer",
        lang="en",
        title="Harbour budget approved",
        input=P.format(ART["en"])
        + '<p>The post <a href="https://w.ex/h">Harbour budget approved</a> appeared first on '
        '<a href="https://w.ex">Wire Example</a>.</p>',
        keep=[ART["en"]],
        gone=["appeared first on", "Wire Example"],
    ),
    Case(
        id="footer-first-appeared-variant",
        kind="syndication_footer",
        lang="en",
        input=P.format(ART["en"])
        + "<p>This article first appeared on The Harbour Times.</p>",
        keep=[ART["en"]],
        gone=["first appeared on"],
    ),
    Case(
        id="footer-appeared-first-text",
        kind="syndication_footer",
        lang="en",
        format="text",
        input=f"{ART['en']}\nThe post Harbour budget approved appeared first on Wire Example.",
        keep=[ART["en"]],
        gone=["appeared first on"],
    ),
    Case(
        id="footer-fr",
        kind="syndication_footer",
        lang="fr",
        input=P.format(ART["fr"])
        + "<p>L’article <a href='/x'>Le budget du port</a> est apparu en premier sur "
        "<a href='/'>Le Quotidien</a>.</p>",
        keep=[ART["fr"]],
        gone=["est apparu en premier"],
    ),
    Case(
        id="footer-de",
        kind="syndication_footer",
        lang="de",
        input=P.format(ART["de"])
        + "<p>Der Beitrag <a href='/x'>Hafenhaushalt beschlossen</a> erschien zuerst auf "
        "<a href='/'>Hafenblatt</a>.</p>",
        keep=[ART["de"]],
        gone=["erschien zuerst auf"],
    ),
    Case(
        id="footer-es",
        kind="syndication_footer",
        lang="es",
        input=P.format(ART["es"])
        + "<p>La entrada <a href='/x'>Presupuesto del puerto</a> se publicó primero en "
        "<a href='/'>Diario</a>.</p>",
        keep=[ART["es"]],
        gone=["se publicó primero"],
    ),
    Case(
        id="footer-pt",
        kind="syndication_footer",
        lang="pt",
        input=P.format(ART["pt"])
        + "<p>O post <a href='/x'>Orçamento do porto</a> apareceu primeiro em "
        "<a href='/'>Jornal</a>.</p>",
        keep=[ART["pt"]],
        gone=["apareceu primeiro"],
    ),
    Case(
        id="footer-ru",
        kind="syndication_footer",
        lang="ru",
        input=P.format(ART["ru"])
        + "<p>Запись <a href='/x'>Бюджет порта</a> впервые появилась <a href='/'>Газета</a>.</p>",
        keep=[ART["ru"]],
        gone=["впервые появилась"],
    ),
    Case(
        id="footer-copyright",
        kind="syndication_footer",
        lang="en",
        input=P.format(ART["en"]) + "<p>© 2026 Harbour Media. All rights reserved.</p>",
        keep=[ART["en"]],
        gone=["All rights reserved"],
    ),
    Case(
        id="footer-personal-use",
        kind="syndication_footer",
        lang="en",
        input=P.format(ART["en"])
        + "<p>This RSS feed is for personal non-commercial use only. If you are not reading this "
        "article in your feed reader, then the site is guilty of copyright infringement.</p>",
        keep=[ART["en"]],
        gone=["personal non-commercial use"],
    ),
    Case(
        id="related-jetpack",
        kind="related_read_more",
        lang="en",
        input=P.format(ART["en"])
        + '<div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3><ul>'
        "<li><a href='/r1'>Dock strike talks resume</a></li>"
        "<li><a href='/r2'>New cranes arrive</a></li></ul></div>",
        keep=[ART["en"]],
        gone=["Dock strike talks resume", "New cranes arrive"],
    ),
    Case(
        id="related-yarpp-long-list",
        kind="related_read_more",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="yarpp-related"><h3>Related posts:</h3><ol>'
        + "".join(
            f"<li><a href='/p{i}'>A fairly long related headline number {i} about the port</a></li>"
            for i in range(12)
        )
        + "</ol></div>",
        keep=[ART["en"]],
        gone=["related headline number 3", "related headline number 11"],
    ),
    Case(
        id="related-heading-and-list-unclassed",
        kind="related_read_more",
        lang="en",
        input=P.format(ART["en"]) + "<h3>You may also like</h3>" + P.format(ART2["en"]),
        keep=[ART["en"], ART2["en"]],
        gone=["You may also like"],
    ),
    Case(
        id="related-fr-de",
        kind="related_read_more",
        lang="fr",
        input=P.format(ART["fr"]) + "<p>À lire aussi</p><p>Lesen Sie auch</p>",
        keep=[ART["fr"]],
        gone=["À lire aussi", "Lesen Sie auch"],
    ),
    Case(
        id="related-es-pt-ru",
        kind="related_read_more",
        lang="es",
        input=P.format(ART["es"]) + "<p>Te puede interesar</p><p>Leia também</p>"
        "<p>Читайте также:</p>",
        keep=[ART["es"]],
        gone=["Te puede interesar", "Leia também", "Читайте также"],
    ),
    Case(
        id="readmore-en-link-inline",
        kind="related_read_more",
        lang="en",
        input=f"<p>{ART['en']} <a href='/full'>Read more</a></p>",
        keep=[ART["en"]],
        gone=["Read more"],
    ),
    Case(
        id="readmore-en-more-link-class",
        kind="related_read_more",
        lang="en",
        title="Harbour budget approved",
        input=f"<p>{ART['en']} <a class='more-link' href='/full'>Continue reading "
        "<span class='screen-reader-text'>Harbour budget approved</span></a></p>",
        keep=[ART["en"]],
        gone=["Continue reading"],
    ),
    Case(
        id="readmore-en-continue-title",
        kind="related_read_more",
        lang="en",
        title="Harbour budget approved",
        input=P.format(ART["en"]) + "<p><a href='/f'>Continue reading Harbour budget approved →"
        "</a></p>",
        keep=[ART["en"]],
        gone=["Continue reading"],
    ),
    Case(
        id="readmore-en-text",
        kind="related_read_more",
        lang="en",
        format="text",
        input=f"{ART['en']}\nRead more »",
        keep=[ART["en"]],
        gone=["Read more"],
    ),
    Case(
        id="readmore-fr",
        kind="related_read_more",
        lang="fr",
        input=f"<p>{ART['fr']} <a href='/f'>Lire la suite</a></p>",
        keep=[ART["fr"]],
        gone=["Lire la suite"],
    ),
    Case(
        id="readmore-fr-text",
        kind="related_read_more",
        lang="fr",
        format="text",
        input=f"{ART['fr']}\n\nLire la suite…",
        keep=[ART["fr"]],
        gone=["Lire la suite"],
    ),
    Case(
        id="readmore-de",
        kind="related_read_more",
        lang="de",
        input=f"<p>{ART['de']}</p><p><a href='/f'>Weiterlesen</a></p>",
        keep=[ART["de"]],
        gone=["Weiterlesen"],
    ),
    Case(
        id="readmore-de-text",
        kind="related_read_more",
        lang="de",
        format="text",
        input=f"{ART['de']}\nMehr lesen ›",
        keep=[ART["de"]],
        gone=["Mehr lesen"],
    ),
    Case(
        id="readmore-es",
        kind="related_read_more",
        lang="es",
        input=f"<p>{ART['es']} <a href='/f'>Leer más</a></p>",
        keep=[ART["es"]],
        gone=["Leer más"],
    ),
    Case(
        id="readmore-es-text",
        kind="related_read_more",
        lang="es",
        format="text",
        input=f"{ART['es']}\nSeguir leyendo",
        keep=[ART["es"]],
        gone=["Seguir leyendo"],
    ),
    Case(
        id="readmore-pt",
        kind="related_read_more",
        lang="pt",
        input=f"<p>{ART['pt']} <a href='/f'>Leia mais</a></p>",
        keep=[ART["pt"]],
        gone=["Leia mais"],
    ),
    Case(
        id="readmore-pt-text",
        kind="related_read_more",
        lang="pt",
        format="text",
        input=f"{ART['pt']}\nContinuar lendo",
        keep=[ART["pt"]],
        gone=["Continuar lendo"],
    ),
    Case(
        id="readmore-ru",
        kind="related_read_more",
        lang="ru",
        input=f"<p>{ART['ru']} <a href='/f'>Читать далее</a></p>",
        keep=[ART["ru"]],
        gone=["Читать далее"],
    ),
    Case(
        id="readmore-ru-text",
        kind="related_read_more",
        lang="ru",
        format="text",
        input=f"{ART['ru']}\nПодробнее →",
        keep=[ART["ru"]],
        gone=["Подробнее"],
    ),
    Case(
        id="readmore-keep-sentence",
        kind="none",
        lang="en",
        input="<p>Read more carefully, the judge told the lawyers, because the contract for the "
        "harbour cranes contains a penalty clause nobody had noticed until Friday.</p>",
        keep=["Read more carefully, the judge told the lawyers"],
        gone=[],
    ),
]
