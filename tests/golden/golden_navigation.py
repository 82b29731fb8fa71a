"""Golden cases: navigation (previous/next blocks, labels in six languages, breadcrumbs)."""

from __future__ import annotations

from golden_common import ART, Case

P = "<p>{}</p>"

CASES: list[Case] = [
    Case(
        id="nav-wp-post-navigation",
        kind="navigation",
        lang="en",
        input=P.format(ART["en"])
        + '<nav class="post-navigation"><div class="nav-previous"><a href="https://ex.org/a">'
        "Older headline about ports</a></div><div class=\"nav-next\">"
        '<a href="https://ex.org/b">Newer headline about rail</a></div></nav>',
        keep=[ART["en"]],
        gone=["Older headline about ports", "Newer headline about rail"],
        nav={"previous": "https://ex.org/a", "next": "https://ex.org/b"},
    ),
    Case(
        id="nav-seed-shape",
        kind="navigation",
        lang="en",
        input=P.format(ART["en"])
        + '<nav class="post-navigation"><div class="nav-previous"><span>Previous Article</span>'
        '<a href="https://ex.org/p">Ferry strike ends</a></div><div class="nav-next">'
        '<span>Next Article</span><a href="https://ex.org/n">Bridge reopens</a></div></nav>',
        keep=[ART["en"]],
        gone=["Previous Article", "Next Article", "Ferry strike ends", "Bridge reopens"],
        nav={"previous": "https://ex.org/p", "next": "https://ex.org/n"},
    ),
    Case(
        id="nav-labels-in-links",
        kind="navigation",
        lang="en",
        input=P.format(ART["en"])
        + '<div class="nav-links"><a href="https://ex.org/1">« Previous Post: Storm hits coast</a>'
        ' <a href="https://ex.org/2">Next Post: Power restored »</a></div>',
        keep=[ART["en"]],
        gone=["Storm hits coast", "Power restored", "Previous Post"],
        nav={"previous": "https://ex.org/1", "next": "https://ex.org/2"},
    ),
    Case(
        id="nav-unclassed-paragraphs",
        kind="navigation",
        lang="en",
        input=P.format(ART["en"])
        + "<p>Previous Article</p><p><a href='https://ex.org/x'>Harbour expansion approved</a></p>"
        "<p>Next Article</p><p><a href='https://ex.org/y'>Tram line delayed again</a></p>",
        keep=[ART["en"]],
        gone=["Previous Article", "Harbour expansion approved", "Tram line delayed again"],
        nav={"previous": "https://ex.org/x", "next": "https://ex.org/y"},
    ),
    Case(
        id="nav-role-navigation",
        kind="navigation",
        lang="en",
        input=P.format(ART["en"])
        + '<div role="navigation"><a class="prev" href="https://ex.org/r1">Market report</a>'
        '<a class="next" href="https://ex.org/r2">Weather outlook</a></div>',
        keep=[ART["en"]],
        gone=["Market report", "Weather outlook"],
        nav={"previous": "https://ex.org/r1", "next": "https://ex.org/r2"},
    ),
    Case(
        id="nav-plain-text-seed",
        kind="navigation",
        lang="en",
        format="text",
        input=f"No time to read?\nGet a summary\n\n{ART['en']}\n\nPrevious Article\n\n"
        "Foreign apps surface on a store\n\nNext Article\n\nInjury claims spread online",
        keep=[ART["en"]],
        gone=["Previous Article", "Next Article", "Foreign apps surface", "Injury claims"],
        nav={"previous": "Foreign apps surface on a store", "next": "Injury claims spread online"},
    ),
    Case(
        id="nav-plain-text-inline-label",
        kind="navigation",
        lang="en",
        format="text",
        input=f"{ART['en']}\nPrevious Post: Water prices rise\nNext Post: Schools reopen",
        keep=[ART["en"]],
        gone=["Water prices rise", "Schools reopen"],
        nav={"previous": "Water prices rise", "next": "Schools reopen"},
    ),
    Case(
        id="nav-br-lines",
        kind="navigation",
        lang="en",
        input=f"<p>{ART['en']}</p><p>Previous Article<br>Dockworkers vote on deal<br>"
        "Next Article<br>Airport adds routes</p>",
        keep=[ART["en"]],
        gone=["Dockworkers vote on deal", "Airport adds routes", "Next Article"],
        nav={"previous": "Dockworkers vote on deal", "next": "Airport adds routes"},
    ),
    Case(
        id="nav-fr",
        kind="navigation",
        lang="fr",
        input=P.format(ART["fr"])
        + "<p>Article précédent</p>"
        "<p><a href='https://ex.fr/a'>La grève des ports se termine</a></p>"
        "<p>Article suivant</p><p><a href='https://ex.fr/b'>Le pont rouvre enfin</a></p>",
        keep=[ART["fr"]],
        gone=["Article précédent", "Article suivant", "La grève des ports", "Le pont rouvre"],
        nav={"previous": "https://ex.fr/a", "next": "https://ex.fr/b"},
    ),
    Case(
        id="nav-fr-text",
        kind="navigation",
        lang="fr",
        format="text",
        input=f"{ART['fr']}\n\nArticle précédent\n\nLe marché ouvre\n\nArticle suivant\n\nLa pluie",
        keep=[ART["fr"]],
        gone=["Article précédent", "Le marché ouvre", "La pluie"],
        nav={"previous": "Le marché ouvre", "next": "La pluie"},
    ),
    Case(
        id="nav-de",
        kind="navigation",
        lang="de",
        input=P.format(ART["de"])
        + "<div><span>Vorheriger Artikel</span><a href='https://ex.de/a'>Hafen wird erweitert</a>"
        "</div><div><span>Nächster Artikel</span><a href='https://ex.de/b'>Bahn streikt</a></div>",
        keep=[ART["de"]],
        gone=["Vorheriger Artikel", "Nächster Artikel", "Hafen wird erweitert", "Bahn streikt"],
        nav={"previous": "https://ex.de/a", "next": "https://ex.de/b"},
    ),
    Case(
        id="nav-de-text",
        kind="navigation",
        lang="de",
        format="text",
        input=f"{ART['de']}\nVorheriger Beitrag: Neue Brücke\nNächster Beitrag: Alte Mühle",
        keep=[ART["de"]],
        gone=["Neue Brücke", "Alte Mühle"],
        nav={"previous": "Neue Brücke", "next": "Alte Mühle"},
    ),
    Case(
        id="nav-es",
        kind="navigation",
        lang="es",
        input=P.format(ART["es"])
        + "<p>Artículo anterior</p><p><a href='https://ex.es/a'>El puerto amplía su muelle</a></p>"
        "<p>Artículo siguiente</p><p><a href='https://ex.es/b'>Huelga en el metro</a></p>",
        keep=[ART["es"]],
        gone=["Artículo anterior", "Artículo siguiente", "El puerto amplía", "Huelga en el metro"],
        nav={"previous": "https://ex.es/a", "next": "https://ex.es/b"},
    ),
    Case(
        id="nav-es-text",
        kind="navigation",
        lang="es",
        format="text",
        input=f"{ART['es']}\n\nEntrada anterior\nLa feria del libro\n\nEntrada siguiente\nEl clima",
        keep=[ART["es"]],
        gone=["Entrada anterior", "La feria del libro", "El clima"],
        nav={"previous": "La feria del libro", "next": "El clima"},
    ),
    Case(
        id="nav-pt",
        kind="navigation",
        lang="pt",
        input=P.format(ART["pt"])
        + "<p>Artigo anterior</p><p><a href='https://ex.pt/a'>Porto amplia o cais</a></p>"
        "<p>Próximo artigo</p><p><a href='https://ex.pt/b'>Greve no metrô</a></p>",
        keep=[ART["pt"]],
        gone=["Artigo anterior", "Próximo artigo", "Porto amplia o cais", "Greve no metrô"],
        nav={"previous": "https://ex.pt/a", "next": "https://ex.pt/b"},
    ),
    Case(
        id="nav-pt-text",
        kind="navigation",
        lang="pt",
        format="text",
        input=f"{ART['pt']}\n\nPost anterior\n\nA feira do livro\n\nPróximo post\n\nO tempo",
        keep=[ART["pt"]],
        gone=["Post anterior", "A feira do livro", "O tempo"],
        nav={"previous": "A feira do livro", "next": "O tempo"},
    ),
    Case(
        id="nav-ru",
        kind="navigation",
        lang="ru",
        input=P.format(ART["ru"])
        + "<p>Предыдущая статья</p><p><a href='https://ex.ru/a'>Порт расширяет причал</a></p>"
        "<p>Следующая статья</p><p><a href='https://ex.ru/b'>Забастовка в метро</a></p>",
        keep=[ART["ru"]],
        gone=["Предыдущая статья", "Следующая статья", "Порт расширяет", "Забастовка в метро"],
        nav={"previous": "https://ex.ru/a", "next": "https://ex.ru/b"},
    ),
    Case(
        id="nav-ru-text",
        kind="navigation",
        lang="ru",
        format="text",
        input=f"{ART['ru']}\n\nПредыдущая запись\n\nКнижная ярмарка\n\nСледующая запись\n\nПогода",
        keep=[ART["ru"]],
        gone=["Предыдущая запись", "Книжная ярмарка", "Погода"],
        nav={"previous": "Книжная ярмарка", "next": "Погода"},
    ),
    Case(
        id="nav-breadcrumbs",
        kind="navigation",
        lang="en",
        input='<div class="breadcrumbs"><a href="/">Home</a> › <a href="/world">World</a></div>'
        + P.format(ART["en"]),
        keep=[ART["en"]],
        gone=["Home"],
    ),
    Case(
        id="nav-keep-sentence-with-label-words",
        kind="none",
        lang="en",
        input="<p>Next article of the treaty says that fishing quotas are shared between the "
        "two countries and reviewed every five years by a joint commission.</p>"
        + P.format(ART["en"]),
        keep=["Next article of the treaty says", ART["en"]],
        gone=[],
    ),
    Case(
        id="nav-label-not-followed-by-long-paragraph",
        kind="navigation",
        lang="en",
        input="<p>Previous</p>" + P.format(ART["en"]),
        keep=[ART["en"]],
        gone=[],
    ),
]
