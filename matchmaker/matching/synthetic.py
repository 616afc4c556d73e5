"""Synthetic supplier catalogues and needs for benchmarks (never for tuning).

Profiles are assembled from the glossary: a company picks a core process, the material
families and part kinds that go with it, a few finishing steps and certificates with
dates, and writes them up in Russian or English prose with the glossary's own wording.
About one company in ten makes no parts (a trader, a tool maker, a coating job shop).
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .glossary import Glossary
from .types import Certificate, NeedDoc, SupplierDoc

# Core process → (part kinds, finishing or follow-up steps, material families).
_ARCHETYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "hpdc": (
        ("housing", "bracket", "cover"),
        ("cnc_machining", "impregnation", "deburring"),
        ("aluminium", "zinc_alloy"),
    ),
    "gravity_casting": (
        ("bracket", "housing", "engine_mount"),
        ("cnc_machining", "heat_treatment"),
        ("aluminium",),
    ),
    "sand_casting": (
        ("brake_part", "hub_knuckle", "housing"),
        ("cnc_machining", "painting"),
        ("cast_iron", "aluminium"),
    ),
    "investment_casting": (("housing", "bracket"), ("cnc_machining",), ("stainless", "steel_bar")),
    "sheet_stamping": (
        ("bracket", "chassis_part", "seat_part"),
        ("welding", "ecoat", "electroplating"),
        ("steel_lowcarbon", "stainless"),
    ),
    "large_panel_stamping": (("body_panel",), ("welding", "assembly"), ("steel_lowcarbon",)),
    "deep_drawing": (("cup_sleeve", "housing"), ("phosphating",), ("steel_lowcarbon",)),
    "roll_forming": (("profile", "seat_part"), ("welding",), ("steel_lowcarbon",)),
    "forging": (
        ("hub_knuckle", "shaft", "chassis_part"),
        ("cnc_machining", "heat_treatment"),
        ("steel_bar",),
    ),
    "cold_heading": (
        ("fastener",),
        ("thread_rolling", "heat_treatment", "zinc_flake_coating"),
        ("steel_bar",),
    ),
    "spring_making": (
        ("spring",),
        ("heat_treatment", "shot_blasting", "powder_coating"),
        ("spring_steel", "stainless"),
    ),
    "tube_bending": (("tube_line",), ("brazing", "testing"), ("steel_lowcarbon", "stainless")),
    "aluminium_extrusion": (
        ("profile", "bumper_beam"),
        ("cnc_machining", "anodizing"),
        ("aluminium",),
    ),
    "cnc_machining": (
        ("shaft", "bushing", "housing"),
        ("grinding", "heat_treatment", "thread_rolling"),
        ("steel_bar", "aluminium", "stainless"),
    ),
    "welding": (
        ("chassis_part", "bracket"),
        ("painting", "shot_blasting"),
        ("steel_lowcarbon", "steel_bar"),
    ),
    "injection_moulding": (
        ("plastic_part", "housing", "gear"),
        ("assembly", "plastic_welding"),
        ("plastic_engineering", "plastic_polyolefin", "tpe"),
    ),
    "large_injection_moulding": (
        ("interior_trim",),
        ("painting", "assembly"),
        ("plastic_polyolefin",),
    ),
    "blow_moulding": (("tank", "duct"), ("plastic_welding", "testing"), ("plastic_polyolefin",)),
    "rubber_moulding": (
        ("seal", "rubber_part", "bushing"),
        ("deburring",),
        ("elastomer_NR", "elastomer_EPDM", "elastomer_oil", "silicone"),
    ),
    "rubber_metal_bonding": (
        ("silent_block", "engine_mount"),
        ("phosphating", "shot_blasting"),
        ("elastomer_NR",),
    ),
    "rubber_extrusion": (
        ("hose", "weatherstrip"),
        ("joint_moulding", "flocking"),
        ("elastomer_EPDM", "elastomer_oil"),
    ),
    "winding": (
        ("armature", "coil", "electric_motor"),
        ("impregnation", "testing"),
        ("copper_wire",),
    ),
    "pcb_assembly": (("electronic_module",), ("testing",), ("electronics",)),
    "wire_harness_assembly": (("wiring_harness",), ("testing",), ("copper_wire",)),
}
_NON_MAKERS = ("trader", "consultant", "repair_service", "equipment_builder", "toolmaker")
_FINISHERS = ("electroplating", "heat_treatment", "powder_coating", "ecoat")
_GRADES: dict[str, tuple[str, ...]] = {
    "aluminium": ("АК12", "АК9ч", "АК7ч", "АК5М2", "EN AC-46000", "AlSi9Cu3", "A380", "6082"),
    "zinc_alloy": ("ЦАМ4-1", "ZAMAK 5", "ZP5", "ZnAl4Cu1"),
    "steel_lowcarbon": ("08пс", "08Ю", "DC04", "DX54D+Z", "HC420LA", "S355MC", "Ст3", "DC01"),
    "steel_bar": ("40Х", "сталь 45", "C45E", "20MnB5", "42CrMo4", "38ХГН", "А12"),
    "spring_steel": ("65Г", "60С2А", "51ХФА", "EN 10270-1"),
    "stainless": ("12Х18Н10Т", "AISI 304", "AISI 430"),
    "cast_iron": ("СЧ20", "ВЧ50", "EN-GJS-500-7", "EN-GJL-250"),
    "plastic_polyolefin": ("PP-T20", "PP-TD20", "ПЭНД", "HDPE", "PP-LGF30"),
    "plastic_engineering": ("PA66-GF30", "PA6", "POM", "PBT-GF30", "ABS", "PC/ABS"),
    "elastomer_NR": ("НК", "СКИ-3", "NR", "SBR"),
    "elastomer_EPDM": ("EPDM", "ЭПДМ", "СКЭПТ"),
    "elastomer_oil": ("NBR", "СКН-26", "FKM", "HNBR", "ACM"),
    "silicone": ("VMQ", "LSR"),
    "copper_wire": ("ПЭТВ-2", "медный обмоточный провод", "enamelled copper wire"),
    "electronics": ("FR-4", "SMD components", "AEC-Q100 components"),
    "tpe": ("TPE", "TPV", "SEBS"),
}
_REGIONS = (
    "Нижегородская область",
    "Самарская область",
    "Калужская область",
    "Татарстан",
    "Свердловская область",
    "Ленинградская область",
    "Ульяновская область",
    "Ярославская область",
)
_RU_OPEN = (
    "{name} — {p1} и {p2}.",
    "Производим {parts} для {sector}: {p1}, {p2}.",
    "Основное направление — {p1}. Также {p2}.",
    "Предприятие выполняет {p1} и {p2} по чертежам заказчика.",
)
_RU_MORE = (
    "Парк оборудования: {n} единиц, усилием {t1}–{t2} т.",
    "Материалы: {mats}.",
    "Выпускаем {parts}.",
    "Поставки для {sector}, среди заказчиков {customers}.",
    "Собственная лаборатория: химический анализ, механические испытания, КИМ.",
    "Серийность от {lot} шт в год, склад готовой продукции {area} м2.",
    "{f1} — на собственном участке.",
    "{f1} выполняет партнёр по договору.",
    "Работаем с {year} года, численность персонала {staff} человек.",
    "Изготавливаем {parts} по чертежам и ТУ заказчика, есть конструкторский отдел.",
    "Контроль качества на всех этапах, входной контроль материалов, прослеживаемость партий.",
    "Имеются свободные мощности, готовы рассмотреть новые проекты локализации.",
    "Логистика собственным транспортом, {region}.",
    "Технологии: {p1}, {p3}; отработка оснастки и первых образцов за {weeks} недель.",
)
_EN_OPEN = (
    "{name} offers {p1} and {p2}.",
    "We make {parts} for {sector} using {p1} and {p2}.",
    "Contract manufacturer: {p1}, {p2}.",
)
_EN_MORE = (
    "{n} machines from {t1} to {t2} t.",
    "Materials: {mats}.",
    "Typical products: {parts}.",
    "Customers include {customers}.",
    "In-house laboratory with CMM, tensile and salt-spray testing.",
    "Batch sizes from {lot} pieces a year; finished-goods warehouse of {area} m2.",
    "{f1} is done in-house.",
    "{f1} is subcontracted to approved partners.",
    "Serving {sector} since {year} with a staff of {staff}.",
    "We make {parts} to customer drawings and specifications.",
    "Incoming inspection, SPC on critical characteristics and full lot traceability.",
    "Free capacity is available for new localization projects.",
    "Process know-how: {p1}, {p3}; first samples within {weeks} weeks.",
)
_SECTOR = {
    "ru": (
        "автомобильной промышленности",
        "автозаводов и Tier-1",
        "сельхозтехники",
        "железной дороги",
        "производителей бытовой техники",
        "строительной отрасли",
    ),
    "en": (
        "the automotive industry",
        "car makers and Tier-1 suppliers",
        "agricultural machinery",
        "railway",
        "home appliance makers",
        "construction",
    ),
}
_CUSTOMERS = ("ГАЗ", "LADA", "КАМАЗ", "Tier-1", "ПАЗ", "Ростсельмаш", "Haval", "Renault")
_RU_NAME = (("Авто", "Техно", "Пром", "Волга", "Урал", "Кама"), ("Лит", "Штамп", "Пласт", "Деталь"))
_EN_NAME = (("Volga", "Ural", "Kama", "Neva", "Oka"), ("Components", "Parts", "Industries"))


def _forms(glossary: Glossary, cid: str, lang: str) -> tuple[str, ...]:
    c = glossary.concepts[cid]
    forms = c.forms_ru if lang == "ru" else c.forms_en
    return forms or c.forms_ru or c.forms_en or (c.label,)


def _certificates(rng: random.Random, today: date) -> tuple[Certificate, ...]:
    out: list[Certificate] = []
    roll = rng.random()
    if roll < 0.35:
        until = today + timedelta(days=rng.randint(-400, 1000))
        out.append(Certificate("IATF 16949:2016", until, f"IATF-{rng.randint(10000, 99999)}"))
    elif roll < 0.42:
        out.append(Certificate("IATF 16949 — внедрение, аудит запланирован"))
    if rng.random() < 0.6:
        out.append(Certificate("ISO 9001:2015", today + timedelta(days=rng.randint(-200, 1200))))
    if rng.random() < 0.1:
        out.append(Certificate(f"VDA 6.3 process audit - {rng.choice('ABBC')} ({today.year - 1})"))
    return tuple(out)


def _non_maker(
    glossary: Glossary, rng: random.Random, sid: str, name: str, lang: str
) -> SupplierDoc:
    actor = rng.choice([a for a in _NON_MAKERS if a in glossary.concepts] or ["trader"])
    proc = rng.choice([p for p in _ARCHETYPES if p in glossary.concepts])
    a_forms = _forms(glossary, actor, lang) if actor in glossary.concepts else ("trading",)
    lead = rng.choice(a_forms)
    what = rng.choice(_forms(glossary, proc, lang))
    if lang == "ru":
        text = f"{lead.capitalize()}: {what}. Собственного производства нет."
    else:
        text = f"{lead.capitalize()}: {what}. We do not manufacture parts."
    return SupplierDoc(sid, name, text, (lead,), (), (), "", "", rng.choice(_REGIONS))


def suppliers(
    glossary: Glossary, n: int, seed: int = 1, today: date | None = None
) -> list[SupplierDoc]:
    """`n` synthetic supplier profiles, about 70 % Russian and 30 % English."""
    rng = random.Random(seed)
    day = today or date(2026, 6, 1)
    procs = [p for p in _ARCHETYPES if p in glossary.concepts]
    out: list[SupplierDoc] = []
    for k in range(n):
        lang = "ru" if rng.random() < 0.7 else "en"
        sid = f"SYN{k:07d}"
        if lang == "ru":
            name = f"ООО «{rng.choice(_RU_NAME[0])}{rng.choice(_RU_NAME[1])}-{k}»"
        else:
            name = f"{rng.choice(_EN_NAME[0])} {rng.choice(_EN_NAME[1])} {k}"
        kind = rng.random()
        if kind < 0.06:
            out.append(_non_maker(glossary, rng, sid, name, lang))
            continue
        if kind < 0.10:
            proc = rng.choice([f for f in _FINISHERS if f in glossary.concepts])
            kinds: tuple[str, ...] = ()
            extra: tuple[str, ...] = ()
            fams: tuple[str, ...] = ("steel_lowcarbon",)
        else:
            proc = rng.choice(procs)
            kinds, extra, fams = _ARCHETYPES[proc]
        p_forms = _forms(glossary, proc, lang)
        second = [e for e in extra if e in glossary.concepts]
        sec = rng.choice(second) if second else proc
        chosen = rng.sample(fams, k=min(len(fams), rng.randint(1, 2)))
        mats = [rng.choice(_GRADES[f]) for f in chosen for _ in range(rng.randint(1, 2))]
        part_words = [
            rng.choice(_forms(glossary, p, lang)) for p in kinds[:2] if p in glossary.concepts
        ]
        fill = {
            "name": name,
            "p1": rng.choice(p_forms),
            "p2": rng.choice(_forms(glossary, sec, lang)),
            "p3": rng.choice(p_forms),
            "parts": ", ".join(part_words) or ("детали заказчика" if lang == "ru" else "parts"),
            "sector": rng.choice(_SECTOR[lang]),
            "mats": ", ".join(dict.fromkeys(mats)),
            "n": rng.randint(4, 80),
            "t1": rng.choice((25, 60, 100, 160, 250, 400)),
            "t2": rng.choice((250, 400, 630, 800, 1000, 1600, 2500)),
            "customers": ", ".join(rng.sample(_CUSTOMERS, 2)),
            "lot": rng.choice((100, 1000, 5000, 20000)),
            "f1": rng.choice(_forms(glossary, sec, lang)).capitalize(),
            "year": rng.randint(1995, 2022),
            "area": rng.choice((500, 1200, 3000, 8000)),
            "staff": rng.randint(20, 2500),
            "region": rng.choice(_REGIONS),
            "weeks": rng.randint(3, 16),
        }
        opens, more = (_RU_OPEN, _RU_MORE) if lang == "ru" else (_EN_OPEN, _EN_MORE)
        sentences = [rng.choice(opens), *rng.sample(more, k=rng.randint(4, 8))]
        out.append(
            SupplierDoc(
                id=sid,
                name=name,
                description=" ".join(s.format(**fill) for s in sentences),
                processes=tuple(
                    dict.fromkeys([str(fill["p1"]), str(fill["p2"]), rng.choice(p_forms)])
                ),
                materials=tuple(dict.fromkeys(mats)),
                certifications=_certificates(rng, day),
                region=rng.choice(_REGIONS),
            )
        )
    return out


def needs(glossary: Glossary, n: int, seed: int = 2, on: date | None = None) -> list[NeedDoc]:
    """`n` synthetic localization needs, about 60 % Russian and 40 % English."""
    rng = random.Random(seed)
    day = on or date(2026, 6, 1)
    procs = [p for p in _ARCHETYPES if p in glossary.concepts]
    out: list[NeedDoc] = []
    for k in range(n):
        lang = "ru" if rng.random() < 0.6 else "en"
        proc = rng.choice(procs)
        kinds, extra, fams = _ARCHETYPES[proc]
        part_name = rng.choice(_forms(glossary, rng.choice(kinds), lang)).capitalize()
        steps = [rng.choice(_forms(glossary, proc, lang))]
        if extra and rng.random() < 0.6:
            steps.append(rng.choice(_forms(glossary, rng.choice(extra), lang)))
        grade = rng.choice(_GRADES[rng.choice(fams)])
        volume = rng.randint(5, 900)
        if lang == "ru":
            description = (
                f"{part_name} из {grade}, годовая потребность {volume} тыс. шт. "
                f"Технология: {', '.join(steps)}. Поставка на конвейер, упаковка многооборотная."
            )
        else:
            description = (
                f"{part_name} made of {grade}, annual volume {volume}k pcs. "
                f"Process: {', '.join(steps)}. Delivery to the assembly line, returnable packaging."
            )
        required: tuple[str, ...] = ("IATF 16949",) if rng.random() < 0.85 else ()
        if rng.random() < 0.1:
            required = (*required, "VDA 6.3 (B or better)")
        out.append(
            NeedDoc(
                id=f"NEED{k:06d}",
                part_name=part_name,
                description=description,
                part_number=f"PN-{rng.randint(1000, 9999)}-{k}",
                processes=tuple(steps),
                materials=(grade,),
                required_certifications=required,
                on_date=day,
            )
        )
    return out
