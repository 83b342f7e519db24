"""python -m tests.chaos [--profile short|long] [--kafka] [--complaints N] [--fault-every S]"""

import argparse
import asyncio
import dataclasses
import sys

from .run import PROFILES, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="short")
    parser.add_argument("--complaints", type=int, help="override the profile's")
    parser.add_argument("--fault-every", type=float, help="seconds between faults, on average")
    parser.add_argument(
        "--kafka", action="store_true", help="on three Apache Kafka brokers (from Maven Central)"
    )
    parser.add_argument("--seed", type=int, help="the faults' moments and the workload's choices")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    if args.complaints:
        profile = dataclasses.replace(profile, complaints=args.complaints)
    if args.fault_every:
        profile = dataclasses.replace(profile, fault_every=args.fault_every)
    if args.seed is not None:
        profile = dataclasses.replace(profile, seed=args.seed)
    if args.kafka:
        profile = dataclasses.replace(profile, kafka_brokers=3)
    report = asyncio.run(run(profile))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
