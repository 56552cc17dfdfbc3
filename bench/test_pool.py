"""Tests of pool.py: pairing rounds, the verdicts, the table.

    python3 -m unittest discover -s bench -p 'test_*.py'
"""

import csv
import tempfile
import unittest
from pathlib import Path

import pool


def row(run, rnd, server, req, cpu, scenario="c100m10"):
    return {"run": run, "round": str(rnd), "scenario": scenario, "server": server,
            "req_per_s": str(req), "cpu_us_per_req": str(cpu)}


class PerRoundRatios(unittest.TestCase):
    def test_each_server_is_divided_by_its_reference_in_the_same_round(self):
        rows = [
            row("a", 0, "h2kit-event-loop", 110, 0.9), row("a", 0, "h2o", 100, 1.0),
            row("a", 1, "h2kit-event-loop", 300, 3.0), row("a", 1, "h2o", 200, 2.0),
        ]
        ratios = pool.per_round_ratios(rows)
        self.assertEqual(sorted(ratios[("c100m10", "h2kit-event-loop", "req")]), [1.1, 1.5])
        self.assertEqual(sorted(ratios[("c100m10", "h2kit-event-loop", "cpu")]), [0.9, 1.5])

    def test_two_worker_servers_are_compared_with_h2o_w2(self):
        rows = [row("a", 0, "h2kit-runtime-w2", 120, 1.0), row("a", 0, "h2o", 100, 1.0),
                row("a", 0, "h2o-w2", 60, 1.0)]
        self.assertEqual(pool.per_round_ratios(rows)[("c100m10", "h2kit-runtime-w2", "req")], [2.0])

    def test_rounds_of_different_runs_are_not_paired(self):
        # Round 0 of run b has no h2o: nothing to compare it with.
        rows = [row("a", 0, "h2kit-event-loop", 100, 1.0), row("a", 0, "h2o", 100, 1.0),
                row("b", 0, "h2kit-event-loop", 500, 1.0)]
        self.assertEqual(pool.per_round_ratios(rows)[("c100m10", "h2kit-event-loop", "req")], [1.0])

    def test_peers_and_unpaired_servers_give_no_ratio(self):
        rows = [row("a", 0, "nghttpd", 100, 1.0), row("a", 0, "h2o", 100, 1.0),
                row("a", 1, "h2kit-event-loop", 100, 1.0)]
        self.assertEqual(dict(pool.per_round_ratios(rows)), {})


class Verdict(unittest.TestCase):
    def test_requests_per_second_lead_when_the_interval_is_above_one(self):
        self.assertEqual(pool.verdict("req", 1.01, 1.2), "ahead")
        self.assertEqual(pool.verdict("req", 0.99, 1.2), "not separated")
        self.assertEqual(pool.verdict("req", 0.8, 0.99), "behind")

    def test_cpu_leads_when_the_interval_is_below_one(self):
        self.assertEqual(pool.verdict("cpu", 0.8, 0.99), "ahead")
        self.assertEqual(pool.verdict("cpu", 0.9, 1.01), "not separated")
        self.assertEqual(pool.verdict("cpu", 1.01, 1.2), "behind")

    def test_an_interval_that_touches_one_is_not_separated(self):
        self.assertEqual(pool.verdict("req", 1.0, 1.0), "not separated")
        self.assertEqual(pool.verdict("cpu", 1.0, 1.0), "not separated")


class Table(unittest.TestCase):
    def test_a_steady_lead_is_ahead_and_a_coin_flip_is_not_separated(self):
        rows = []
        for r in range(20):
            rows += [row("a", r, "h2kit-event-loop", 110 + r % 3, 0.9), row("a", r, "h2o", 100, 1.0),
                     row("a", r, "h2kit-runtime-w1", 95 if r % 2 else 105, 1.0)]
        lines = {tuple(cell.strip() for cell in line.split("|")[2:4]): line for line in pool.verdict_table(rows)}
        lead = lines[("h2kit-event-loop", "requests/s")]
        self.assertIn("| 20 | 1.110 |", lead)
        self.assertTrue(lead.endswith("| 20 | ahead |"), lead)
        self.assertTrue(lines[("h2kit-event-loop", "CPU/request")].endswith("| 20 | ahead |"))
        flip = lines[("h2kit-runtime-w1", "requests/s")]
        self.assertIn("| 20 | 1.000 |", flip)
        self.assertTrue(flip.endswith("| 10 | not separated |"), flip)

    def test_a_few_rounds_give_no_verdict(self):
        rows = [r for i in range(pool.MIN_ROUNDS - 1)
                for r in (row("a", i, "h2kit-event-loop", 200, 0.5), row("a", i, "h2o", 100, 1.0))]
        table = pool.verdict_table(rows)
        self.assertTrue(all(line.endswith("| too few rounds |") for line in table[2:]), table)

    def test_csv_files_are_read_with_their_rounds_kept_apart_and_other_csvs_skipped(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for name, req in (("one.csv", 120), ("two.csv", 80)):
                path = Path(tmp) / name
                with open(path, "w", newline="") as f:
                    w = csv.DictWriter(f, fieldnames=["round", "scenario", "server", "req_per_s", "cpu_us_per_req"])
                    w.writeheader()
                    w.writerow({"round": 0, "scenario": "c1m100", "server": "h2kit-event-loop",
                                "req_per_s": req, "cpu_us_per_req": 1})
                    w.writerow({"round": 0, "scenario": "c1m100", "server": "h2o",
                                "req_per_s": 100, "cpu_us_per_req": 1})
                paths.append(path)
            memory = Path(tmp) / "one-memory.csv"
            memory.write_text("server,idle_bytes_per_conn\nh2o,600\n")
            ratios = pool.per_round_ratios(pool.read_rows(paths + [memory]))
            self.assertEqual(sorted(ratios[("c1m100", "h2kit-event-loop", "req")]), [0.8, 1.2])


if __name__ == "__main__":
    unittest.main()
