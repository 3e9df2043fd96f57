#!/usr/bin/python3
"""The demo behind tools/demo (see there). Usage: demo.py PATH/TO/cwlogd"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root / "tests" / "integration"))
from cwfake import FakeCloudWatch  # noqa: E402
from journals import JournaldNamespace  # noqa: E402

cwlogd = str(Path(sys.argv[1]).resolve())


def system_journal_running():
    if not os.path.exists("/run/systemd/journal/socket"):
        return False
    p = subprocess.run(["journalctl", "-q", "-n", "1", "--no-pager"], capture_output=True)
    return p.returncode == 0 and bool(p.stdout.strip())


def summarize(dry_run_output):
    bodies = [json.loads(line) for line in dry_run_output.splitlines() if line.strip()]
    events = sum(len(b["logEvents"]) for b in bodies)
    print(f"  {len(bodies)} PutLogEvents request(s), {events} events. First events:")
    for b in bodies[:2]:
        for e in b["logEvents"][:6]:
            print(f"    {b['logGroupName']}/{b['logStreamName']}  {e['timestamp']}  {e['message'][:90]}")
    return events


def main():
    work = Path(tempfile.mkdtemp(prefix="cwlogd-demo."))
    ns = None
    try:
        if system_journal_running():
            print("== This machine's journal is running: shipping its last hour.")
            source = "journal = true\ninitial_position = start_of_journal\n"
            prefix = []
        else:
            print("== No journal is running here: starting a journald instance of our own "
                  "(private mount namespace) and writing a few entries into it.")
            ns = JournaldNamespace(name="cwlogd-demo").start()
            for i in range(12):
                ns.send(MESSAGE=f"demo entry {i}: hello from the cwlogd demo", PRIORITY=6 if i % 4 else 3,
                        SYSLOG_IDENTIFIER=["web", "db", "cron"][i % 3])
            ns.sync()
            source = f"journal = true\njournal_namespace = {ns.name}\ninitial_position = start_of_journal\n"
            prefix = ns.prefix()
        conf = work / "cwlogd.conf"
        conf.write_text("[general]\nregion = us-east-1\n\n[journal]\n" + source +
                        "log_group_name = demo\nlog_stream_name = {hostname}/{identifier}\nbuffer_duration = 200\n")
        state = work / "state"
        state.mkdir()
        base = [cwlogd, f"--config={conf}", f"--additional-configs-dir={work / 'conf.d'}", f"--state-dir={state}"]

        print("\n== cwlogd --check-config")
        subprocess.run(prefix + base + ["--check-config"], check=True)

        print("\n== cwlogd --once --dry-run (request bodies on stdout; no network, no state)")
        p = subprocess.run(prefix + base + ["--once", "--dry-run"], capture_output=True, text=True, timeout=600)
        sys.stderr.write(p.stderr)
        if p.returncode != 0:
            raise SystemExit(f"cwlogd --dry-run failed with exit code {p.returncode}")
        summarize(p.stdout)

        print("\n== cwlogd --once to a loopback CloudWatch fake that checks every SigV4 signature (botocore)")
        fake = FakeCloudWatch(keys={"AKIADEMO": "demo-secret-key"}).start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(fake.env())
            env["RUNTIME_DIRECTORY"] = str(work / "run")
            p = subprocess.run(prefix + base + ["--once"], env=env, capture_output=True, text=True, timeout=600)
            sys.stderr.write(p.stderr)
            total = 0
            for (g, s), events in sorted(fake.all_events().items()):
                total += len(events)
                print(f"  arrived in {g}/{s}: {len(events)} events")
            reqs = fake.requests()
            errors = sorted({r.get("error") for r in reqs if r.get("status") != 200} - {None})
            print(f"  {len(reqs)} requests, every signature checked by botocore; cwlogd exit code {p.returncode}")
            if errors:
                print(f"  (answers that made cwlogd act: {', '.join(errors)}; the group and streams did not exist yet)")
            print(f"  state written: {', '.join(sorted(x.name for x in state.iterdir())) or 'none'}")
            if p.returncode != 0 or total == 0:
                raise SystemExit("shipping to the fake did not work")
        finally:
            fake.stop()
    finally:
        if ns:
            ns.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
