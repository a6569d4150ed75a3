"""特定個人情報保護評価書 (PIA): each 課's register of 評価書, the pia checklist answered per 評価書, and the report."""
