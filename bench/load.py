"""Load: a fleet of clients (32) runs the example queries (``queries/examples/*.rq``, except the
federated ones, which would leave the machine) against one govgraph server for a minute,
and every second the bench records answers, refusals, errors, latency and the server tree's PSS.

Each answer is classified: 200 is an answer; 429 carrying ``Retry-After`` and the ``RateLimit``
fields is a refusal the client honours (it waits Retry-After seconds, at most until the end);
anything else (another status, a 429 without those fields, a transport error) is an error.

>>> classify(200, {}), classify(429, {"Retry-After": "2", "RateLimit": "x", "RateLimit-Policy": "y"})
('answer', 'limited')
>>> classify(429, {"Retry-After": "2"}), classify(503, {"Retry-After": "2"})
('error', 'error')
"""

from __future__ import annotations

from pathlib import Path

from answers import Query, load_mix
from driver import closed_loop, percentiles

EXAMPLES = Path(__file__).resolve().parents[1] / "queries" / "examples"


def example_mix(directory: Path = EXAMPLES) -> list[Query]:
    """The example queries that stay on this machine (no SERVICE)."""
    return [q for q in load_mix(directory) if "SERVICE" not in q.text.upper()]


def classify(status: int, headers) -> str:
    if status == 200:
        return "answer"
    if status == 429 and headers.get("Retry-After") and headers.get("RateLimit") and headers.get("RateLimit-Policy"):
        return "limited"
    return "error"


def run_load(url: str, pid: int, clients: int = 32, seconds: float = 60.0, timeout: float = 60.0) -> dict:
    """The fleet against ``url`` for ``seconds``; per-second series and totals."""
    mix = example_mix()

    def judge(query: Query, status: int, headers, body: bytes):
        kind = classify(status, headers)
        pause = float(headers.get("Retry-After", "1")) if kind == "limited" else 0.0
        return kind, pause, "" if kind != "error" else f"{query.name}: HTTP {status} {dict(headers)} {body[:200]!r}"

    start, events, sampler = closed_loop(url, mix, clients, seconds, [pid], judge, timeout)
    outcomes = [(ended, kind, latency) for ended, _, (kind, latency, _) in events]
    samples = [seen for _, _, (kind, _, seen) in events if kind == "error"][:5]
    return summarise(outcomes, sampler.samples, start, seconds, samples, clients, len(mix))


def summarise(events, pss_samples, start: float, seconds: float, samples: list[str], clients: int, queries: int) -> dict:
    """Totals and the per-second series (answers, refusals, errors, latency of answers, PSS)."""
    inside = [e for e in events if e[0] <= start + seconds]
    series = []
    for second in range(int(seconds)):
        lo, hi = start + second, start + second + 1
        bucket = [e for e in inside if lo <= e[0] < hi]
        pss = [mb for t, mb in pss_samples if lo <= t < hi] or [mb for t, mb in pss_samples if t < hi][-1:]
        answers = [lat for _, kind, lat in bucket if kind == "answer"]
        series.append({"second": second + 1, "answers": len(answers),
                       "limited": sum(1 for e in bucket if e[1] == "limited"),
                       "errors": sum(1 for e in bucket if e[1] == "error"),
                       **{k: v for k, v in percentiles(answers).items() if k != "p95"},
                       "pss_mb": round(max(pss), 1) if pss else None})
    counts = {kind: sum(1 for e in inside if e[1] == kind) for kind in ("answer", "limited", "error")}
    pss = [s["pss_mb"] for s in series if s["pss_mb"] is not None]
    steady = pss[len(pss) // 4:] or pss  # after the first quarter, when the workers have warmed up
    return {"clients": clients, "seconds": seconds, "queries": queries, "answers": counts["answer"],
            "limited": counts["limited"], "errors": counts["error"],
            "answers_per_s": round(counts["answer"] / seconds, 1),
            "latency_ms": percentiles([lat for _, kind, lat in inside if kind == "answer"]),
            "pss_mb": {"first": pss[0] if pss else None, "min": min(steady) if steady else None,
                       "max": max(steady) if steady else None,
                       "spread_pct": round(100 * (max(steady) - min(steady)) / min(steady), 1) if steady else None},
            "error_samples": samples, "series": series}
