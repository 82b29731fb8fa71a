"""Boilerplate rules as data.

A :class:`Rule` is a frozen dataclass: a ``kind`` (one of :data:`RULE_KINDS`),
a unique ``name`` and matchers.  Two families of matchers exist:

* **structure**: ``tokens`` (class/id tokens, exact, case-insensitive),
  ``token_patterns`` (regular expressions matched against whole class/id
  tokens), ``roles`` (the ``role`` attribute) and ``tags`` (element names).
  A matching element is removed with everything inside it, *unless* its text
  is longer than ``max_chars`` and is not mostly link text (the article
  itself is never eaten because a theme put ``class="social"`` on it).
* **text**: ``phrases`` (the *whole* normalized text of a short block equals
  one of them) and ``patterns`` (regular expressions that must match the whole
  normalized text).  Normalizing lower-cases, folds whitespace and strips
  surrounding punctuation and arrows, so ``"Read more »"`` and
  ``"read more"`` are the same.  A block longer than ``max_chars`` never
  matches, so a paragraph that merely *contains* a phrase is kept.

``links_only=True`` makes a text rule match only a line that is one link (or
an inline link), for open-ended patterns such as "Continue reading <title>".
``inline=True`` lets a text rule also remove an inline element (a link, a
``<span>``) inside a longer paragraph, for "Read more" links at the end of an
excerpt.  ``rel`` marks navigation labels (``"previous"``/``"next"``): the
title after such a label is captured as a :class:`~feedkit.model.NavLink`
before the block is removed.

The default set is :data:`DEFAULT_RULES`; build your own with
:meth:`RuleSet.extend` / :meth:`RuleSet.without`::

    from feedkit.clean.rules import DEFAULT_RULES, Rule
    mine = DEFAULT_RULES.extend(
        Rule(kind="call_to_action", name="podcast-plug", phrases=("Listen on Spotify",))
    )
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

__all__ = [
    "DEFAULT_RULES",
    "RULE_KINDS",
    "Rule",
    "RuleKind",
    "RuleSet",
    "normalize_text",
]

RuleKind = Literal[
    "navigation",
    "call_to_action",
    "share_social",
    "syndication_footer",
    "related_read_more",
    "comment_count",
    "ads_trackers",
]

RULE_KINDS: tuple[str, ...] = (
    "navigation",
    "call_to_action",
    "share_social",
    "syndication_footer",
    "related_read_more",
    "comment_count",
    "ads_trackers",
)

_TAG_NAME = re.compile(r"[a-z][a-z0-9-]*")
_ID_ATTR = re.compile(r"id\s*=")
# Elements an HTML parser creates without a start tag in the text (a <p> or
# <tbody> around stray content, the document's own <html>/<head>/<body>).
_IMPLIED_TAGS = frozenset({"html", "head", "body", "p", "tbody", "tr", "td", "colgroup",
                           "li", "dd", "dt", "option", "table", "div", "span", "form"})

# Characters stripped from both ends of a block before phrase matching.
_EDGE = " \t\r\n\u00a0\u200b:;.,…!?¡¿»«→←›‹|/\\-–—>[](){}*•·\"'“”‘’„⟶⇒➔➜▶◀"


def normalize_text(text: str) -> str:
    """Normalize block text for matching: NFKC, lower case, single spaces, trimmed edges."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    # split/join is _WS.sub(" ", ...) but for the spaces at both ends, which
    # the strip below removes anyway (" " is an edge character); five times faster
    return " ".join(text.split()).casefold().strip(_EDGE)


@dataclass(frozen=True, slots=True)
class Rule:
    """One boilerplate rule (see the module docstring for the matchers)."""

    kind: str
    name: str
    tokens: tuple[str, ...] = ()
    token_patterns: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    max_chars: int = 300
    inline: bool = False
    links_only: bool = False
    rel: str | None = None
    lang: str = "en"
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise ValueError(f"unknown rule kind {self.kind!r}; use one of {RULE_KINDS}")
        if not self.name:
            raise ValueError("a rule needs a name")
        for pattern in (*self.token_patterns, *self.patterns):
            re.compile(pattern)

    @property
    def is_structural(self) -> bool:
        """True when the rule matches on element structure (tokens, roles, tags)."""
        return bool(self.tokens or self.token_patterns or self.roles or self.tags)

    @property
    def is_textual(self) -> bool:
        """True when the rule matches on block text (phrases, patterns)."""
        return bool(self.phrases or self.patterns)


@dataclass(frozen=True, eq=False, repr=False)
class RuleSet:
    """An immutable, ordered collection of rules, with compiled matchers.

    Iterate it, group it with :meth:`by_kind`, derive new sets with
    :meth:`extend`, :meth:`without` and :meth:`only`.
    """

    rules: tuple[Rule, ...] = ()

    def __post_init__(self) -> None:
        names = [r.name for r in self.rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate rule names: {dupes}")

    def __repr__(self) -> str:
        kinds = ", ".join(f"{k}={len(v)}" for k, v in self.by_kind().items() if v)
        return f"RuleSet({len(self.rules)} rules: {kinds})"

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(name)

    def by_kind(self) -> dict[str, tuple[Rule, ...]]:
        """The rules grouped by kind, in :data:`RULE_KINDS` order."""
        return {k: tuple(r for r in self.rules if r.kind == k) for k in RULE_KINDS}

    def extend(self, *rules: Rule | Iterable[Rule]) -> RuleSet:
        """A new set with ``rules`` appended (a rule with an existing name replaces it)."""
        flat: list[Rule] = []
        for r in rules:
            if isinstance(r, Rule):
                flat.append(r)
            else:
                flat.extend(r)
        new_names = {r.name for r in flat}
        kept = tuple(r for r in self.rules if r.name not in new_names)
        return RuleSet(kept + tuple(flat))

    def without(self, *names_or_kinds: str) -> RuleSet:
        """A new set without the rules named, or of the kinds named."""
        drop = set(names_or_kinds)
        return RuleSet(tuple(r for r in self.rules if r.name not in drop and r.kind not in drop))

    def only(self, *kinds: str) -> RuleSet:
        """A new set with only the rules of the given kinds."""
        keep = set(kinds)
        return RuleSet(tuple(r for r in self.rules if r.kind in keep))

    # -- compiled matchers (computed once per RuleSet, cached on the instance) --

    @cached_property
    def token_index(self) -> dict[str, Rule]:
        """Exact class/id token -> the first rule naming it."""
        return _first_rule_by(self.rules, "tokens", str.casefold)

    @cached_property
    def token_regexes(self) -> tuple[tuple[re.Pattern[str], Rule], ...]:
        """Compiled ``token_patterns`` with their rules."""
        return tuple(
            (re.compile(p, re.IGNORECASE), rule)
            for rule in self.rules
            for p in rule.token_patterns
        )

    @cached_property
    def role_index(self) -> dict[str, Rule]:
        """``role`` attribute value -> rule."""
        return _first_rule_by(self.rules, "roles", str.casefold)

    def may_match_structure(self, html: str) -> bool:
        """False when no element parsed from ``html`` can match a structural rule.

        Such an element has a ``class``, ``id`` or ``role`` attribute (a name,
        then ``=``; a bare name gives an empty value, which matches nothing but
        the tag) or a tag of :attr:`tag_index`; this looks for those names in the
        text, without regard to case, and may answer True for text that is not
        markup (``uid=3``).  Always True when a rule's tag is one the HTML parser
        may insert by itself.
        """
        tags = self._start_tags
        if tags is None:
            return True
        low = html.lower()
        if "class" in low or "role" in low or _ID_ATTR.search(low) is not None:
            return True
        return any(tag in low for tag in tags)

    @cached_property
    def _start_tags(self) -> tuple[str, ...] | None:
        """``"<name"`` of every :attr:`tag_index` name (``None``: see
        :meth:`may_match_structure`)."""
        tags = tuple(self.tag_index)
        if any(tag in _IMPLIED_TAGS or _TAG_NAME.fullmatch(tag) is None for tag in tags):
            return None
        return tuple(f"<{tag}" for tag in tags)

    @cached_property
    def tag_index(self) -> dict[str, Rule]:
        """Element name -> rule."""
        return _first_rule_by(self.rules, "tags", str.casefold)

    @cached_property
    def phrase_index(self) -> dict[str, Rule]:
        """Normalized phrase -> rule."""
        return _first_rule_by(self.rules, "phrases", normalize_text)

    @cached_property
    def text_regexes(self) -> tuple[tuple[re.Pattern[str], Rule], ...]:
        """Compiled text ``patterns`` (matched whole on normalized text)."""
        return tuple(
            (re.compile(p, re.IGNORECASE | re.DOTALL), rule)
            for rule in self.rules
            for p in rule.patterns
        )

    @cached_property
    def label_regexes(self) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
        """(strict, loose) regexes splitting ``<navigation label><separator><title>``.

        *strict* needs a ``:``, arrow, bar or dash after the label ("Previous
        Article: Title"); *loose* accepts plain whitespace (used inside a block
        already known to be navigation).  Groups: ``prev``, ``next``, ``rest``.
        """
        prev: set[str] = set()
        nxt: set[str] = set()
        for rule in self.rules:
            if rule.rel == "previous":
                prev.update(rule.phrases)
            elif rule.rel == "next":
                nxt.update(rule.phrases)
        if not prev and not nxt:
            return None

        def alt(labels: set[str]) -> str:
            cleaned = {" ".join(normalize_text(lab).split()) for lab in labels}
            ordered = sorted((c for c in cleaned if c), key=len, reverse=True)
            return "|".join(r"\s+".join(re.escape(w) for w in lab.split()) for lab in ordered)

        head = rf"^\W*(?:(?P<prev>{alt(prev) or '(?!)'})|(?P<next>{alt(nxt) or '(?!)'}))"
        strict = re.compile(head + r"\s*(?::|»|«|→|←|›|‹|\||-|–|—)+\s*(?P<rest>\S.*)$",
                            re.IGNORECASE | re.DOTALL)
        loose = re.compile(head + r"(?:[\s:»«→←›‹|\-–—<>/]+)(?P<rest>\S.*)$",
                           re.IGNORECASE | re.DOTALL)
        return strict, loose

    def match_structure(
        self, tag: str, tokens: Iterable[str], role: str | None
    ) -> Rule | None:
        """The structural rule matching an element, or ``None``."""
        if role:
            rule = self.role_index.get(role.casefold())
            if rule is not None:
                return rule
        combined = self.token_combined
        for tok in tokens:
            low = tok.casefold()
            rule = self.token_index.get(low)
            if rule is not None:
                return rule
            if combined is not None and combined.fullmatch(low):
                for rx, rule in self.token_regexes:
                    if rx.fullmatch(low):
                        return rule
        return self.tag_index.get(tag)

    @cached_property
    def token_combined(self) -> re.Pattern[str] | None:
        """All token patterns in one regex (a fast first check)."""
        pats = [rx.pattern for rx, _ in self.token_regexes]
        return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) if pats else None

    @cached_property
    def text_combined(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """All text patterns in one regex: (every rule, rules that are not links_only)."""

        def build(only_free: bool) -> re.Pattern[str] | None:
            pats = [rx.pattern for rx, rule in self.text_regexes
                    if not (only_free and rule.links_only)]
            if not pats:
                return None
            return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE | re.DOTALL)

        return build(False), build(True)

    @cached_property
    def _text_indexed(
        self,
    ) -> tuple[tuple[re.Pattern[str], dict[int, Rule]] | None,
               tuple[re.Pattern[str], dict[int, Rule]] | None]:
        """:attr:`text_combined` with each pattern in a group of its own, and group -> rule.

        ``m.lastindex`` of a whole match names the first pattern that matches the
        whole text, so the rule is known without trying the patterns one by one.
        ``(None, None)`` when a pattern has groups of its own (numbering would shift).
        """
        if any(rx.groups for rx, _rule in self.text_regexes):
            return None, None

        def build(only_free: bool) -> tuple[re.Pattern[str], dict[int, Rule]] | None:
            chosen = [(rx.pattern, rule) for rx, rule in self.text_regexes
                      if not (only_free and rule.links_only)]
            if not chosen:
                return None
            combined = re.compile("|".join(f"({p})" for p, _rule in chosen),
                                  re.IGNORECASE | re.DOTALL)
            return combined, {k: rule for k, (_p, rule) in enumerate(chosen, start=1)}

        return build(False), build(True)

    def match_text(
        self, text: str, *, title: str | None = None, is_link: bool = False
    ) -> Rule | None:
        """The text rule whose phrase or pattern is the whole of ``text``, or ``None``.

        ``title`` (the item's own title) is substituted by ``{title}`` first so
        that patterns such as ``continue reading {title}`` can match.
        ``is_link`` says the text is a whole link (enables ``links_only`` rules).
        """
        if len(text) > 4 * self.max_text_chars:
            return None
        return self.match_normalized(normalize_text(text), title=title, is_link=is_link)

    def match_normalized(
        self,
        norm: str,
        *,
        title: str | None = None,
        is_link: bool = False,
        title_norm: str | None = None,
    ) -> Rule | None:
        """:meth:`match_text` of text already normalized (``norm``: :func:`normalize_text`).

        ``title_norm`` is ``normalize_text(title)`` when the caller has it (a
        line matcher normalizes the item's title once, not once per line).
        """
        size = len(norm)
        if not size or size > self.max_text_chars:
            return None
        if size <= self.max_phrase_chars:
            rule = self.phrase_index.get(norm)
            if rule is not None:
                return rule
        if title and size <= self.max_phrase_chars + len(title):
            nt = normalize_text(title) if title_norm is None else title_norm
            if nt and nt in norm and nt != norm:
                templ = norm.replace(nt, "{title}")
                rule = self.phrase_index.get(templ)
                if rule is not None:
                    return rule
        indexed = self._text_indexed[0 if is_link else 1]
        if indexed is not None:
            one, by_group = indexed
            m = one.fullmatch(norm)
            if m is None:
                return None
            # the first pattern that matches whole (alternatives are tried in order)
            rule = by_group[m.lastindex or 0]
            if size <= rule.max_chars:
                return rule  # what the loop below returns first
        else:
            combined = self.text_combined[0 if is_link else 1]
            if combined is None or combined.fullmatch(norm) is None:
                return None
        for rx, rule in self.text_regexes:
            if size <= rule.max_chars and (is_link or not rule.links_only) and rx.fullmatch(norm):
                return rule
        return None

    @cached_property
    def max_phrase_chars(self) -> int:
        """Length of the longest normalized phrase (longer text skips phrase lookups)."""
        return max((len(p) for p in self.phrase_index), default=0)

    @cached_property
    def max_text_chars(self) -> int:
        """The largest ``max_chars`` of the text rules (longer text matches none)."""
        return max((r.max_chars for r in self.rules if r.is_textual), default=0)


def _rules() -> Iterator[Rule]:
    # ---------------------------------------------------------------- navigation
    yield Rule(
        kind="navigation",
        name="post-navigation",
        tokens=(
            "post-navigation", "navigation", "nav-links", "nav-previous", "nav-next",
            "post-nav", "postnav", "post-nav-links", "single-post-nav", "entry-navigation",
            "article-navigation", "pagination-single", "prev-next", "previous-next",
            "next-prev", "wp-post-navigation", "post-pagination", "nav-single",
            "navigation-post", "adjacent-posts", "prevnext",
        ),
        roles=("navigation",),
        tags=("nav",),
        max_chars=600,
        description="previous/next article blocks (titles and links captured first)",
    )
    prev_next = {
        "en": (
            ("Previous Article", "Previous article", "Previous Post", "Previous post",
             "Previous Story", "Previous", "Prev", "Older Post", "Older post", "Older Entry",
             "Previous Entry", "Prev Post", "Prev Article", "Previous Episode"),
            ("Next Article", "Next article", "Next Post", "Next post", "Next Story", "Next",
             "Newer Post", "Newer post", "Newer Entry", "Next Entry", "Next Episode",
             "Up Next", "Read Next", "Read next"),
        ),
        "fr": (
            ("Article précédent", "Article precedent", "Précédent", "Precedent",
             "Billet précédent", "Publication précédente"),
            ("Article suivant", "Suivant", "Billet suivant", "Publication suivante",
             "À lire ensuite", "A lire ensuite"),
        ),
        "de": (
            ("Vorheriger Artikel", "Vorheriger Beitrag", "Voriger Artikel", "Voriger Beitrag",
             "Vorheriger", "Zurück", "Älterer Beitrag", "Vorheriger Post"),
            ("Nächster Artikel", "Nächster Beitrag", "Naechster Artikel", "Nächster",
             "Weiter", "Neuerer Beitrag", "Nächster Post"),
        ),
        "es": (
            ("Artículo anterior", "Articulo anterior", "Entrada anterior", "Anterior",
             "Publicación anterior", "Noticia anterior"),
            ("Artículo siguiente", "Articulo siguiente", "Siguiente artículo",
             "Entrada siguiente", "Siguiente entrada", "Siguiente", "Publicación siguiente",
             "Noticia siguiente"),
        ),
        "pt": (
            ("Artigo anterior", "Post anterior", "Notícia anterior", "Publicação anterior",
             "Matéria anterior"),
            ("Próximo artigo", "Proximo artigo", "Próximo post", "Próxima notícia",
             "Próximo", "Publicação seguinte", "Artigo seguinte", "Próxima matéria"),
        ),
        "ru": (
            ("Предыдущая статья", "Предыдущая запись", "Предыдущий пост", "Предыдущая новость",
             "Предыдущая", "Назад", "Предыдущий материал"),
            ("Следующая статья", "Следующая запись", "Следующий пост", "Следующая новость",
             "Следующая", "Далее", "Следующий материал"),
        ),
    }
    for lang, (prev, nxt) in prev_next.items():
        yield Rule(kind="navigation", name=f"previous-label-{lang}", phrases=prev,
                   rel="previous", lang=lang, max_chars=60,
                   description="a 'previous article' label; the title after it is captured")
        yield Rule(kind="navigation", name=f"next-label-{lang}", phrases=nxt,
                   rel="next", lang=lang, max_chars=60,
                   description="a 'next article' label; the title after it is captured")
    yield Rule(
        kind="navigation",
        name="breadcrumbs",
        tokens=("breadcrumb", "breadcrumbs", "breadcrumb-trail", "yoast-breadcrumb"),
        max_chars=300,
        description="breadcrumb trails",
    )

    # ------------------------------------------------------------ call to action
    yield Rule(
        kind="call_to_action",
        name="ai-summary",
        tokens=("ai-summary-cta", "ai-summary", "summary-cta", "tldr-cta", "get-summary"),
        phrases=("No time to read?", "Get a summary", "Get the summary", "Summarize this article",
                 "Summarise this article", "Listen to this article", "Listen to this story",
                 "Pas le temps de lire ?", "Obtenir un résumé", "Keine Zeit zum Lesen?",
                 "Zusammenfassung anzeigen", "¿No tienes tiempo para leer?", "Obtener un resumen",
                 "Sem tempo para ler?", "Obter um resumo", "Нет времени читать?",
                 "Получить краткое содержание"),
        max_chars=200,
        description="'No time to read? Get a summary' style prompts",
    )
    yield Rule(
        kind="call_to_action",
        name="newsletter",
        tokens=("newsletter", "newsletter-signup", "newsletter-box", "subscribe-box",
                "subscribe", "subscription", "signup", "sign-up", "optin", "opt-in",
                "mc_embed_signup", "mailchimp", "jetpack_subscription_widget",
                "wp-block-jetpack-subscriptions", "email-signup", "inline-signup"),
        token_patterns=(r"newsletter[-_].*", r".*[-_]newsletter", r"subscribe[-_].*"),
        phrases=("Subscribe to our newsletter", "Sign up for our newsletter",
                 "Subscribe to our mailing list", "Sign up for our free newsletter",
                 "Subscribe now", "Subscribe", "Sign up now", "Join our newsletter",
                 "Get our newsletter", "Subscribe to the newsletter",
                 "Support our journalism", "Become a member", "Become a patron",
                 "Abonnez-vous à notre newsletter", "Inscrivez-vous à notre newsletter",
                 "Abonnez-vous", "Newsletter abonnieren", "Jetzt abonnieren",
                 "Abonnieren Sie unseren Newsletter", "Suscríbete a nuestro boletín",
                 "Suscríbete", "Suscríbete a nuestra newsletter", "Assine nossa newsletter",
                 "Inscreva-se na nossa newsletter", "Assine", "Подпишитесь на нашу рассылку",
                 "Подписаться на рассылку", "Подпишитесь"),
        patterns=(
            r"(?:subscribe|sign up) (?:to|for) (?:our|the) .{0,40}newsletter.{0,80}",
            r"(?:get|receive) (?:our|the) .{0,40}(?:newsletter|in your inbox).{0,80}",
            r"(?:enjoyed|liked) this (?:article|post|story)\W+(?:subscribe|sign up).{0,120}",
            r"(?:follow|join) us on (?:telegram|whatsapp|google news).{0,60}",
            r"подпишитесь на наш (?:telegram|телеграм|канал).{0,80}",
        ),
        max_chars=400,
        description="newsletter and subscription prompts",
    )
    yield Rule(
        kind="call_to_action",
        name="donate-app",
        tokens=("donate", "donation", "support-us", "paywall-cta", "app-promo",
                "download-app", "cta", "call-to-action", "wp-block-buttons-cta"),
        phrases=("Download our app", "Get the app", "Support us", "Donate now",
                 "Click here to subscribe", "Listen now", "Watch now",
                 "Leave a reply", "Leave a Reply"),
        max_chars=300,
        description="donation, app and generic call-to-action boxes",
    )

    # ------------------------------------------------------------ share / social
    yield Rule(
        kind="share_social",
        name="share-widgets",
        tokens=("sharedaddy", "sd-sharing-enabled", "sd-block", "sd-social", "sharing",
                "share", "shares", "social", "social-share", "social-sharing",
                "share-buttons", "share-links", "sharethis", "addtoany", "a2a_kit",
                "a2a_default_style", "shareaholic-canvas", "ssba", "ssba-wrap",
                "heateor_sss_sharing_container", "essb_links", "jp-sharing-input-touch",
                "wp-block-social-links", "social-icons", "follow-us", "feedflare",
                "tweetmeme", "fb-like", "twitter-share-button", "sociable",
                "post-share", "entry-share", "article-share", "share-bar", "share-tools"),
        token_patterns=(r"(?:share|sharing|social)[-_].*", r".*[-_](?:share|sharing)(?:[-_].*)?"),
        max_chars=400,
        description="share buttons and social widgets (Jetpack sharedaddy, AddToAny, ...)",
    )
    yield Rule(
        kind="share_social",
        name="share-phrases",
        phrases=("Share this:", "Share this", "Share", "Share this article", "Share this post",
                 "Share this story", "Share on Facebook", "Share on X", "Share on Twitter",
                 "Share on LinkedIn", "Tweet", "Tweet this", "Pin it", "Email this",
                 "Like this:", "Like Loading...", "Like Loading…", "Loading...",
                 "Follow us on Twitter", "Follow us on Facebook", "Follow us",
                 "Partager :", "Partager", "Partager cet article", "Teilen:", "Teilen",
                 "Diesen Artikel teilen", "Compartir:", "Compartir", "Compartir este artículo",
                 "Compartilhe:", "Compartilhe", "Compartilhar", "Поделиться:", "Поделиться",
                 "Поделиться в соцсетях"),
        patterns=(
            r"click to (?:share|email|print) (?:on|this|a link to|to).{0,60}",
            r"(?:share|post) (?:on|to|via) (?:facebook|x|twitter|linkedin|reddit|whatsapp|"
            r"telegram|email|pinterest|bluesky|threads|mastodon)(?: \(opens in new window\))?",
            r"(?:facebook|twitter|x|linkedin|reddit|whatsapp|telegram|email|pinterest|print)"
            r"(?:\W+(?:facebook|twitter|x|linkedin|reddit|whatsapp|telegram|email|"
            r"pinterest|print|more))+",
            r"opens in new window",
        ),
        inline=False,
        max_chars=200,
        description="'Share this:' / 'Click to share on X' lines in any language",
    )

    # --------------------------------------------------------- syndication footer
    yield Rule(
        kind="syndication_footer",
        name="appeared-first",
        patterns=(
            r"the post .+ (?:appeared first|first appeared) on .+",
            r"this (?:post|article|story|entry) (?:appeared first|first appeared|"
            r"was originally published|originally appeared) (?:on|at|in) .+",
            r"(?:this|the) (?:post|article) .+ (?:was originally published|originally appeared)"
            r" (?:on|at) .+",
            r"(?:l[’']article|le billet|l[’']entrée) .+ est apparu en premier sur .+",
            r"der beitrag .+ erschien zuerst auf .+",
            r"la entrada .+ (?:se publicó primero|apareció primero) en .+",
            r"(?:o post|a entrada|o artigo) .+ (?:apareceu primeiro|foi publicad[oa] primeiro)"
            r" (?:em|no|na) .+",
            r"(?:запись|сообщение|пост|статья) .+ (?:впервые появил(?:ась|ось|ся|ись)|"
            r"появил(?:ась|ось|ся|ись) сначала) .+",
            r"source: .{1,80} via .{1,80}",
            r".{1,300} was originally published in .{1,120} on medium, where people are "
            r"continuing the conversation.{0,120}",
            r"artykuł .+ pochodzi z serwisu .+",
            r"l[’']articolo .+ proviene da .+",
            r"het bericht .+ verscheen eerst op .+",
            r"this entry was posted in .{1,300}bookmark the permalink.{0,40}",
            r"(?:this (?:post|entry) was )?(?:posted|filed) (?:in|under) .{1,200}"
            r"(?:\| ?)?(?:\d+|no|leave a) (?:comments?|responses?)",
        ),
        max_chars=600,
        description="WordPress-style 'The post X appeared first on Y' footers, in 6 languages",
    )
    yield Rule(
        kind="syndication_footer",
        name="permalink",
        phrases=("Permalink", "∞ Permalink", "Permanent link", "Lien permanent", "Permalink:"),
        inline=True,
        max_chars=40,
        description="bare permalink lines and links at the end of a post",
    )
    yield Rule(
        kind="syndication_footer",
        name="syndication-markup",
        tokens=("syndication", "feed-footer", "rss-footer", "post-footer-syndication",
                "yarpp-footer", "wpematico-credit", "feedburnerFlareBlock"),
        max_chars=400,
        description="feed footers injected by RSS plugins",
    )
    yield Rule(
        kind="syndication_footer",
        name="copyright-footer",
        patterns=(
            r"(?:©|\(c\)|copyright) ?\d{0,4}.{0,80}(?:all rights reserved|tous droits réservés|"
            r"alle rechte vorbehalten|todos los derechos reservados|"
            r"todos os direitos reservados|все права защищены).{0,80}",
            r"this (?:feed|rss feed) is for personal(?:,)? non-commercial use only.{0,200}",
            r"if you are not reading this (?:article|post) in your feed reader.{0,200}",
        ),
        max_chars=400,
        description="copyright and 'personal use only' feed footers",
    )

    # ---------------------------------------------------------- related / read more
    yield Rule(
        kind="related_read_more",
        name="related-posts",
        tokens=("related-posts", "related_posts", "relatedposts", "jp-relatedposts",
                "yarpp-related", "yarpp-related-rss", "crp_related", "related", "related-articles",
                "related-stories", "related-content", "more-stories", "read-more-box",
                "see-also", "further-reading", "you-may-like", "recommended",
                "wp-block-latest-posts", "rp4wp-related-posts", "outbrain", "taboola",
                "OUTBRAIN", "more-link", "read-more", "readmore", "more-link-wrapper"),
        token_patterns=(r"related[-_].*", r".*[-_]related(?:[-_].*)?", r"taboola.*",
                        r"read[-_]?more[-_].*"),
        max_chars=300,
        description="related-post lists and 'read more' links "
        "(long lists kept only if mostly links)",
    )
    yield Rule(
        kind="related_read_more",
        name="related-headings",
        phrases=("Related", "Related posts", "Related Posts", "Related articles",
                 "Related stories", "Related content", "You may also like", "You might also like",
                 "More from this author", "More stories", "Recommended", "Recommended for you",
                 "See also", "Also read", "Read also", "Don't miss", "Trending",
                 "Popular posts", "Most read", "More on this story",
                 "À lire aussi", "A lire aussi", "Lire aussi", "Sur le même sujet",
                 "Articles similaires", "Vous aimerez aussi", "Das könnte Sie auch interessieren",
                 "Mehr zum Thema", "Ähnliche Artikel", "Lesen Sie auch", "Auch interessant",
                 "Artículos relacionados", "Te puede interesar", "También te puede interesar",
                 "Lee también", "Noticias relacionadas", "Leia também", "Veja também",
                 "Artigos relacionados", "Posts relacionados", "Você também pode gostar",
                 "Читайте также", "Похожие статьи", "Похожие записи", "Вам может понравиться",
                 "Смотрите также", "Читайте также:"),
        max_chars=80,
        description="headings of related-content lists",
    )
    read_more = {
        "en": ("Read more", "Read More", "Read more...", "Continue reading", "Continue Reading",
               "Keep reading", "Read the full article", "Read the full story",
               "Read the rest of this entry", "Read full article", "Read the full post",
               "Read on", "Full story", "View full article", "Read the rest",
               "Click here to read more", "More", "(more…)", "(more...)",
               "Continue reading {title}", "Read more about {title}"),
        "fr": ("Lire la suite", "Lire plus", "En savoir plus", "Continuer la lecture",
               "Lire l'article", "Lire l’article", "Lire l'article complet",
               "Lire la suite de l'article", "Suite de l'article"),
        "de": ("Weiterlesen", "Mehr lesen", "Mehr erfahren", "Ganzen Artikel lesen",
               "Den ganzen Artikel lesen", "Zum Artikel", "Weiter lesen", "Mehr dazu",
               "Artikel lesen"),
        "es": ("Leer más", "Leer mas", "Seguir leyendo", "Continuar leyendo",
               "Leer el artículo completo", "Ver más", "Sigue leyendo", "Lee más"),
        "pt": ("Leia mais", "Ler mais", "Continuar lendo", "Continue lendo", "Saiba mais",
               "Leia o artigo completo", "Continuar a ler", "Ver mais", "Leia a matéria completa"),
        "ru": ("Читать далее", "Читать дальше", "Подробнее", "Читать полностью",
               "Читать статью", "Продолжить чтение", "Читать еще", "Читать ещё",
               "Узнать больше"),
    }
    for lang, phrases in read_more.items():
        yield Rule(kind="related_read_more", name=f"read-more-{lang}", phrases=phrases,
                   inline=True, lang=lang, max_chars=160,
                   description="'read more' / 'continue reading' links and lines")
    yield Rule(
        kind="related_read_more",
        name="read-more-links",
        patterns=(
            r"(?:continue reading|keep reading|read more|read the rest of|read the full|"
            r"lire la suite|weiterlesen|seguir leyendo|continuar lendo|leia mais|leer más|"
            r"читать далее)\b.{0,160}",
        ),
        links_only=True,
        inline=True,
        max_chars=200,
        description="a link reading 'Continue reading <any title>' (only when the whole "
        "line is that link, or inline)",
    )
    yield Rule(
        kind="related_read_more",
        name="read-more-quoted",
        patterns=(
            r"(?:continue reading|keep reading|read more)(?: about)? [“\"«‘'].{1,160}",
        ),
        inline=True,
        max_chars=200,
        description="'Continue reading “<title>”' lines",
    )

    # ----------------------------------------------------------------- comments
    yield Rule(
        kind="comment_count",
        name="comment-links",
        tokens=("comments-link", "comment-count", "comments-count", "comment-link",
                "post-comments", "entry-comments", "comments", "disqus_thread",
                "commentcount", "respond", "comment-respond", "leave-comment",
                "comments-area"),
        max_chars=200,
        description="comment-count links and comment areas",
    )
    yield Rule(
        kind="comment_count",
        name="comment-phrases",
        phrases=("No comments", "No comments yet", "Leave a comment", "Add a comment",
                 "View comments", "Comments", "Post a comment", "Join the discussion",
                 "Be the first to comment", "Comments closed", "Comments are closed",
                 "Commentaires", "Laisser un commentaire", "Aucun commentaire", "Kommentare",
                 "Kommentar schreiben", "Keine Kommentare", "Comentarios", "Deja un comentario",
                 "Sin comentarios", "Comentários", "Deixe um comentário", "Sem comentários",
                 "Комментарии", "Оставить комментарий", "Нет комментариев"),
        patterns=(
            r"\d+ (?:comments?|responses?|replies|commentaires?|kommentare?|comentarios?|"
            r"comentários?|комментари(?:й|я|ев))(?: so far)?",
            r"(?:comments?|commentaires?|kommentare?|comentarios?|comentários?|"
            r"комментарии) ?\(\d+\)?",
            r"(?:view|read|see|join) (?:all )?(?:\d+ )?comments?(?: on .{1,140})?",
        ),
        inline=True,
        max_chars=120,
        description="'12 comments' / 'Leave a comment' lines and links, 6 languages",
    )

    # ------------------------------------------------------------- ads, trackers
    yield Rule(
        kind="ads_trackers",
        name="ad-slots",
        tokens=("ad", "ads", "advert", "adverts", "advertisement", "advertising", "adsbygoogle",
                "ad-container", "ad-slot", "ad-unit", "ad-wrapper", "ad-banner", "adblock",
                "sponsored", "sponsor", "promoted", "dfp-ad", "google-ad", "banner-ad",
                "inline-ad", "mid-article-ad", "wpcnt", "wordads-ad-wrapper", "adthrive-ad",
                "mpu", "native-ad"),
        token_patterns=(r"ad[-_](?:slot|unit|container|wrapper|banner|inline|block|box|zone)"
                        r"(?:[-_].*)?", r"(?:google|gpt|dfp|adsense)[-_]?ads?(?:[-_].*)?"),
        max_chars=300,
        description="advertising slots",
    )
    yield Rule(
        kind="ads_trackers",
        name="ad-labels",
        phrases=("Advertisement", "ADVERTISEMENT", "Advertisements", "Sponsored",
                 "Sponsored content", "Ad", "Publicité", "Annonce", "Anzeige", "Werbung",
                 "Publicidad", "Anuncio",
                 "Publicidade", "Anúncio", "Реклама", "Scroll to continue with content",
                 "Report this ad", "Story continues below advertisement",
                 "Article continues below advertisement", "Continue reading below"),
        max_chars=80,
        description="'Advertisement' labels left by ad slots",
    )


DEFAULT_RULES: RuleSet = RuleSet(tuple(_rules()))
"""The built-in rule set (importable and extensible; see :class:`RuleSet`)."""


def _first_rule_by(
    rules: Sequence[Rule], field: str, key: Callable[[str], str]
) -> dict[str, Rule]:
    """Map ``key(value)`` of every value in each rule's ``field`` to the first rule naming it."""
    index: dict[str, Rule] = {}
    for rule in rules:
        for value in getattr(rule, field):
            index.setdefault(key(value), rule)
    return index
