"""Shared by the proofs of `make test` (schemathesis, route fuzz, race properties): show their counts."""

import contextlib


def show_counts(request, line: str) -> None:
    """Write `line` into the test run's output even though output is captured: the closing note of
    issue 11 quotes these counts."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        print(line)
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write("\n" + line + "\n")  # on a line of its own, between the progress dots
