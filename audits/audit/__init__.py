"""The audit (監査): plans, the visit, findings, corrective actions and the 監査報告書."""
