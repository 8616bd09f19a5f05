"""Benchmark: suggestion accuracy (top-1, top-3 category) on held-out demo cases, and on a small
set of hand-written complaints worded unlike the demo's templates. Not part of the test suite.

    .venv/bin/python -m tests.perf.bench_suggest --cases 3000

Builds a demo county in a temporary SQLite file, trains on the older 80 % of categorised cases
and scores the newest 20 %. Prints one JSON object."""
from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from core import demo, suggest
from core.db import make_engine, migrate
from core.models import Case, Category

# written for this benchmark, in words the demo generator does not use
HAND_WRITTEN = [
    ("subsistence", "家里老人瘫痪在床，收入没有，想申请最低生活保障"), ("subsistence", "低保户名单没有张榜公示"),
    ("medical", "镇医院看病排队太久，医生太少"), ("medical", "新农合住院报销比例算错了"),
    ("schooling", "孩子转学手续办不下来，学校不收"), ("schooling", "学校食堂饭菜质量差"),
    ("housing", "老房子下雨漏水，墙裂了，担心倒塌"), ("housing", "申请保障性住房一直排不上"),
    ("water", "井水干了，全组吃水要到两公里外挑"), ("water", "水龙头放出来的水有泥沙"),
    ("roads", "去镇上的路烂得车都开不了"), ("roads", "河上的便桥断了，孩子上学要绕远路"),
    ("land", "修高速占了我家的田，钱还没给"), ("land", "两家为田坎界线吵了好几年"),
    ("homestead", "批房子的手续跑了好几趟还没批下来"), ("homestead", "隔壁新房子盖到了我家地基上"),
    ("sanitation", "河沟里倒满了生活垃圾，臭得很"), ("sanitation", "猪场粪水流进稻田"),
    ("public_order", "晚上有人骑摩托车飙车，很吵很危险"), ("public_order", "家里的牛被人偷了"),
    ("labour", "包工头跑了，我们十几个人的工钱没着落"), ("labour", "社保卡办了三个月还没拿到"),
    ("conduct", "村里干部说话难听，不给办事"), ("conduct", "窗口人员上班时间玩手机"),
]


def score(session: Session, classifier: suggest.Classifier, samples: list[tuple[int, str]]) -> dict:
    top1 = top3 = 0
    started = time.perf_counter()
    for category_id, text in samples:
        ranked = [c.id for c in suggest.suggest(session, classifier, text)[0]]
        top1 += bool(ranked) and ranked[0] == category_id
        top3 += category_id in ranked[:3]
    n = len(samples)
    return {"n": n, "top1": round(top1 / n, 3), "top3": round(top3 / n, 3),
            "ms_per_text": round((time.perf_counter() - started) * 1000 / n, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        demo.load_demo(engine, cases=args.cases, today=date(2026, 11, 21))
        with Session(engine) as s:
            rows = s.exec(select(Case.id, Case.category_id, Case.content).where(Case.category_id.is_not(None))
                          .order_by(Case.id)).all()
            held_out = rows[int(len(rows) * 0.8):]
            started = time.perf_counter()
            classifier = suggest.train(s, exclude_ids={r.id for r in held_out})
            trained_s = time.perf_counter() - started
            codes = dict(s.exec(select(Category.code, Category.id)).all())
            result = {"machine": f"{platform.machine()}, Python {platform.python_version()}",
                      "trained_on": classifier.trained_on, "train_s": round(trained_s, 2),
                      "held_out_demo": score(s, classifier, [(r.category_id, r.content) for r in held_out]),
                      "hand_written": score(s, classifier, [(codes[c], text) for c, text in HAND_WRITTEN])}
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
