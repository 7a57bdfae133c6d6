#!/usr/bin/env python3
"""The summary of a run-on-device.sh run: each stage's status and time, and the Java engine's bench beside the eager
PyTorch mirror and the memory plan (standard library only).

    summarize.py --status STATUS.tsv --out OUT_DIR

STATUS.tsv has one line per stage: name, status (ok, FAILED, skipped), seconds, start and end (Unix time), note.
OUT_DIR may hold bench.json (bench beear --json), mirror.json (eager_beear_step.py --json) and smi.csv (nvidia-smi
samples: timestamp, memory.used [MiB], memory.total [MiB], utilization.gpu [%]).
"""
import argparse
import csv
import datetime
import json
import os
import statistics

GIB = float(1 << 30)


def gib(b):
    """Bytes in GiB, or in MiB (marked) below one GiB, so small shapes' figures stay readable."""
    if b is None:
        return "-"
    return f"{b / GIB:.2f}" if b >= GIB else f"{b / (1 << 20):.1f}M"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def secs(x):
    return "-" if x is None else f"{x:.3f}"


def load(path):
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def read_status(path):
    stages = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 6:
                name, status, seconds, start, end, note = parts[:6]
                stages.append({"name": name, "status": status, "seconds": float(seconds), "start": float(start),
                               "end": float(end), "note": note})
    return stages


def smi_peaks(path, stages):
    """Peak memory.used (bytes) per stage from nvidia-smi's samples, by their timestamps (local time)."""
    if not os.path.isfile(path):
        return {}
    samples = []
    with open(path) as f:
        for row in csv.reader(f):
            if len(row) < 2 or not row[1].strip().isdigit():
                continue
            try:
                t = datetime.datetime.strptime(row[0].strip(), "%Y/%m/%d %H:%M:%S.%f").timestamp()
            except ValueError:
                continue
            samples.append((t, int(row[1].strip()) * (1 << 20)))
    peaks = {}
    for s in stages:
        inside = [m for t, m in samples if s["start"] <= t <= s["end"]]
        if inside:
            peaks[s["name"]] = max(inside)
    return peaks


def java_side(bench):
    """Medians over the measured rounds and the memory figures of `bench beear --json`."""
    if bench is None:
        return None
    measured = [r for r in bench["rounds"] if not r["warmup"]]
    first = bench["rounds"][0] if bench["rounds"] else None
    return {
        "round": bench.get("round_seconds_median"), "entrapment": bench.get("entrapment_seconds_median"),
        "removal": bench.get("removal_seconds_median"), "rounds": len(measured),
        "first": first["round_seconds"] if first else None,
        "peak": bench.get("peak_bytes"), "rise": bench.get("peak_above_baseline_bytes"),
        "created": bench.get("created_bytes"), "oom": bench.get("out_of_memory")}


def mirror_side(mirror):
    """Medians over rounds 2.. (the first warms up) and the memory figures of eager_beear_step.py --json."""
    if mirror is None:
        return None
    rounds = mirror.get("rounds") or []
    measured = rounds[1:] or rounds

    def med(key):
        return statistics.median(r[key] for r in measured) if measured else None

    m = mirror.get("measured") or {}
    reserved, outside = m.get("peak_reserved_bytes"), m.get("outside_pytorch_bytes")
    return {"round": med("round_seconds"), "entrapment": med("entrapment_seconds"), "removal": med("removal_seconds"),
            "rounds": len(measured), "first": rounds[0]["round_seconds"] if rounds else None,
            "allocated": m.get("peak_allocated_bytes"), "reserved": reserved,
            "in_use": None if reserved is None or outside is None else reserved + outside,
            "rss": m.get("peak_rss_bytes"), "torch": mirror.get("torch"), "device": mirror.get("device"),
            "oom": mirror.get("out_of_memory")}


def phase(plan, name):
    return next((p["bytes"] for p in plan.get("phases", []) if p["name"] == name), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--status", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    stages = read_status(a.status)
    bench = load(os.path.join(a.out, "bench.json"))
    mirror = load(os.path.join(a.out, "mirror.json"))
    smi = smi_peaks(os.path.join(a.out, "smi.csv"), stages)
    lines = ["beear: the Java engine from the kit (src/bench/cuda/run-on-device.sh)", "", "stages:"]
    for s in stages:
        lines.append(f"  {s['name']:8s} {s['status']:8s} {s['seconds']:7.1f} s  {s['note']}")
    j, m = java_side(bench), mirror_side(mirror)
    if bench is not None:
        plan = bench["plan"]
        st = plan["settings"]
        lines += ["", f"bench beear: {bench['model']} ({'random weights' if bench['random_weights'] else 'weights'}), "
                      f"{bench['dtype']} on {bench['device']}; plan ({'fitted' if plan['fitted'] else 'as given'}): "
                      f"batch {st.get('batch_size')} + {st.get('anchor_batch_size')} anchors × "
                      f"{st.get('max_sequence_length')} tokens, optimizer {st.get('optimizer')}, layers "
                      f"{st.get('trainable_from')}..{st.get('trainable_to')}, adapter rank {st.get('adapter_rank')}, "
                      f"micro-batch {st.get('micro_batch_size')}, recompute {st.get('recompute_activations')}",
                  f"plan: {plan['verdict']}"]
        if m is not None:
            lines.append(f"mirror: eager PyTorch {m['torch']} on {m['device']}, the same plan")
        lines += ["", f"seconds per round (median after the warm-up)  {'Java (DJL)':>12s} {'mirror':>12s} "
                      f"{'Java/mirror':>12s}"]
        for label, key in [("round", "round"), ("  entrapment", "entrapment"), ("  removal", "removal"),
                           ("first round (warm-up)", "first")]:
            jv, mv = j[key], (m or {}).get(key)
            lines.append(f"  {label:44s} {secs(jv):>12s} {secs(mv):>12s} {ratio(jv, mv):>12s}")
        lines.append(f"  {'rounds measured':44s} {j['rounds']:>12d} {(m or {}).get('rounds', 0):>12d}")
        train = phase(plan, "train")
        load_phase = phase(plan, "load")
        planned_peak = max(x for x in (train, load_phase) if x is not None)
        in_use = plan["peak_bytes"] + plan["runtime_bytes"]
        lines += ["", f"memory (GiB; M: MiB; Java: {bench['memory_measure']})"]
        cuda = bench["device"] == "cuda"

        def row(label, planned, java, mirror_value):
            lines.append(f"  {label:54s} {gib(planned):>8s} {gib(java):>8s} {ratio(java, planned):>9s} "
                         f"{gib(mirror_value):>8s} {ratio(mirror_value, planned):>8s}")

        lines.append(f"  {'':54s} {'planned':>8s} {'Java':>8s} {'ratio':>9s} {'mirror':>8s} {'ratio':>8s}")
        parts = {p["name"]: p["bytes"] for p in plan["parts"]}
        row("weights + masters vs after making them", parts.get("weights", 0) + parts.get("master_copies", 0),
            j["created"], None)
        if cuda:
            row("train phase vs peak above baseline (Java) / allocated (mirror)", planned_peak, j["rise"],
                m and m["allocated"])
            row("peak + runtime vs peak in use (Java) / reserved + outside", in_use, j["peak"], m and m["in_use"])
            row("required vs peak in use", plan["required_bytes"], j["peak"], m and m["in_use"])
            if smi:
                row("peak + runtime vs nvidia-smi memory.used, peak", in_use, smi.get("bench"), smi.get("mirror"))
        else:
            row("load and train phases vs peak RSS above baseline (Java)", planned_peak, j["rise"], None)
            row("peak + runtime vs peak RSS (Java) / peak RSS (mirror)", in_use, j["peak"], m and m["rss"])
        if j["oom"]:
            lines.append(f"Java ran OUT OF MEMORY: {j['oom']}")
        if m and m["oom"]:
            lines.append(f"the mirror ran OUT OF MEMORY: {m['oom']}")
    failed = [s["name"] for s in stages if s["status"] != "ok"]
    lines += ["", "no stage ran" if not stages else "all stages passed" if not failed
              else "not passed: " + ", ".join(failed)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
