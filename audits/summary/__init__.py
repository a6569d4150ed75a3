"""The aggregated report for the 総括保護管理者 (全庁の集計): dashboard, PDF, Excel."""
