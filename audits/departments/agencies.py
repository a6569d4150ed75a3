"""機関: the executive bodies a 部 belongs to (地方自治法 第138条の4・第180条の5, 地方公営企業法).

The 委員会's 定期的な報告 is answered per 機関 (市長部局, 教育委員会, 選挙管理委員会 …), so every 部 names its 機関
(`bureaus.agency`, a stable key checked by the database against `AGENCIES`). The list is the one the law fixes for a
市区町村, with the 公営企業 a city commonly runs; a 部 that is not set belongs to 市長部局.
"""
from __future__ import annotations

MAYOR = "mayor"
ASSEMBLY = "assembly"
EDUCATION = "education"
ELECTION = "election"
PERSONNEL = "personnel"
AUDIT = "audit"
AGRICULTURE = "agriculture"
ASSESSMENT = "assessment"
WATER = "water"
TRANSPORT = "transport"
HOSPITAL = "hospital"

AGENCY_LABELS: dict[str, str] = {
    MAYOR: "市長部局",
    ASSEMBLY: "議会",
    EDUCATION: "教育委員会",
    ELECTION: "選挙管理委員会",
    PERSONNEL: "人事委員会・公平委員会",
    AUDIT: "監査委員",
    AGRICULTURE: "農業委員会",
    ASSESSMENT: "固定資産評価審査委員会",
    WATER: "水道局（水道事業）",
    TRANSPORT: "交通局（交通事業）",
    HOSPITAL: "病院事業",
}
AGENCIES: tuple[str, ...] = tuple(AGENCY_LABELS)
DEFAULT = MAYOR


def agency_label(agency: str | None) -> str:
    return AGENCY_LABELS.get(agency or DEFAULT, agency or "")
