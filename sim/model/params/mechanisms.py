"""Mechanism switches: the catalogue of the model's 16 mechanisms and an on/off switch for each.

`MECHANISMS` names each mechanism with its DESIGN.md section 2 number; every parameter's
`mechanism` metadata is one of its keys (or "" for the core deal pipeline), and the ODD
Submodels subsections follow its numbering. `Mechanisms` turns each one off alone, so an
ablation run shows what that mechanism contributes. A field's name is also its scenario key
(`[mechanisms]`); the field order is the order of outputs and digests, so it must not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.params.base import _Validated, param

MECHANISMS: dict[str, str] = {
    "awareness": "1. Demand generation and awareness (goodwill stock)",
    "lead_scoring": "2. Lead scoring and hand-off",
    "response_decay": "3. Routing and response time (lead attention decays)",
    "follow_up": "4. Follow-up diligence",
    "cherry_picking": "5. Cherry-picking and trust",
    "collateral": "6. Collateral and DIY",
    "menial_requests": "7. Menial requests",
    "content_aging": "8. Content refresh",
    "field_feedback": "9. Field feedback",
    "meetings": "10. Meetings and co-location",
    "marketing_pay": "11. Goals and compensation",
    "trust": "12. Trust, blame and ego",
    "rotation": "13. Job rotation",
    "hybrid_roles": "14. Hybrid roles",
    "scripts": "15. Scripts vs the messaging platform",
    "customers": "16. Customers after the sale",
}


@dataclass(frozen=True)
class Mechanisms(_Validated):
    """Switches: each mechanism can be turned off alone (ablation)."""

    awareness: bool = param(True, mechanism="awareness", source="Ablation switch.")
    lead_scoring: bool = param(True, mechanism="lead_scoring", source="Ablation switch.")
    response_decay: bool = param(True, mechanism="response_decay", source="Ablation switch.")
    follow_up: bool = param(True, mechanism="follow_up", source="Ablation switch.")
    cherry_picking: bool = param(True, mechanism="cherry_picking", source="Ablation switch.")
    collateral: bool = param(True, mechanism="collateral", source="Ablation switch.")
    menial_requests: bool = param(True, mechanism="menial_requests", source="Ablation switch.")
    content_aging: bool = param(True, mechanism="content_aging", source="Ablation switch.")
    field_feedback: bool = param(True, mechanism="field_feedback", source="Ablation switch.")
    meetings: bool = param(True, mechanism="meetings", source="Ablation switch.")
    marketing_pay: bool = param(True, mechanism="marketing_pay", source="Ablation switch.")
    trust: bool = param(True, mechanism="trust", source="Ablation switch.")
    rotation: bool = param(True, mechanism="rotation", source="Ablation switch.")
    hybrid_roles: bool = param(True, mechanism="hybrid_roles", source="Ablation switch.")
    scripts: bool = param(True, mechanism="scripts", source="Ablation switch.")
    customers: bool = param(True, mechanism="customers", source="Ablation switch.")
