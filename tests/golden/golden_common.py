"""Shared pieces of the golden set: the case type and article paragraphs per language."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    """One golden case.

    ``input`` is HTML (``format="html"``, cleaned as ``content_html``) or plain
    text with line breaks (``format="text"``, cleaned as ``summary``).  Every
    string of ``keep`` must survive and every string of ``gone`` must be
    removed; ``kind`` is the rule kind expected among the removals (``"none"``
    for cases where nothing may be removed... except ``gone``, which is then
    empty); ``nav`` maps ``rel`` to the expected URL (HTML) or title (text).
    """

    id: str
    kind: str
    lang: str
    input: str
    keep: list[str]
    gone: list[str]
    format: str = "html"
    title: str | None = None
    nav: dict[str, str] = field(default_factory=dict)


ART: dict[str, str] = {
    "en": "The city council approved the harbour budget on Tuesday after a long debate about "
    "housing, transport and schools, and the mayor said work would start in spring.",
    "fr": "Le conseil municipal a approuvé mardi le budget du port après un long débat sur le "
    "logement, les transports et les écoles, et le maire a annoncé des travaux au printemps.",
    "de": "Der Stadtrat hat am Dienstag den Hafenhaushalt nach einer langen Debatte über "
    "Wohnungen, Verkehr und Schulen beschlossen, die Arbeiten beginnen im Frühjahr.",
    "es": "El ayuntamiento aprobó el martes el presupuesto del puerto tras un largo debate sobre "
    "vivienda, transporte y escuelas, y las obras empezarán en primavera.",
    "pt": "A câmara municipal aprovou na terça-feira o orçamento do porto depois de um longo "
    "debate sobre habitação, transportes e escolas, e as obras começam na primavera.",
    "ru": "Городской совет во вторник утвердил бюджет порта после долгих споров о жилье, "
    "транспорте и школах, а работы начнутся весной.",
}

ART2: dict[str, str] = {
    "en": "Residents living near the docks welcomed the plan but asked for quieter night shifts "
    "and a new footbridge across the canal before the cranes arrive.",
    "fr": "Les habitants proches des quais ont salué le projet mais demandent des équipes de nuit "
    "plus discrètes et une passerelle avant l'arrivée des grues.",
    "de": "Anwohner an den Docks begrüßten den Plan, verlangten aber leisere Nachtschichten und "
    "eine neue Fußgängerbrücke über den Kanal.",
    "es": "Los vecinos del muelle celebraron el plan, pero pidieron turnos de noche más "
    "silenciosos y una pasarela nueva sobre el canal.",
    "pt": "Os moradores perto das docas elogiaram o plano, mas pediram turnos noturnos mais "
    "silenciosos e uma nova passarela sobre o canal.",
    "ru": "Жители района доков одобрили план, но попросили тише работать ночью и построить "
    "новый пешеходный мост через канал.",
}
