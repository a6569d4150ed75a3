"""漏えい等事案 (incidents): the register from 覚知 to 確報, its 判定 under 施行規則第43条 and its deadlines."""
