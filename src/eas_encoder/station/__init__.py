"""The station: monitor sources, gate and relay alerts, keep the log (issue 12).

A sans-IO core (as h11 is for HTTP): :class:`~.core.Station` takes events
(:mod:`.events`) and a time and returns actions (:mod:`.actions`); it never reads a clock,
a socket or a file. Configuration is TOML validated once (:mod:`.config`); the log is SQLite
(:mod:`.log`). The asyncio shell around the core (sources, outputs, ``monitor``) lives beside
it. Clauses: 47 CFR 11.33, 11.35, 11.51, 11.52, 11.56, 11.61; FCC 22-75.
"""

from .actions import (
    Action,
    Decision,
    Hold,
    LogAlert,
    OperatorAction,
    OutputRecord,
    PollCap,
    Relay,
    RelayPlan,
    RelayStatus,
    RunHooks,
    SourceStatus,
    TestStatus,
)
from .config import (
    CapConfig,
    Config,
    FilterConfig,
    OutputConfig,
    RelayConfig,
    SourceConfig,
    StationConfig,
    TestsConfig,
    load_config,
    parse_config,
)
from .events import (
    CapReceived,
    Event,
    HeardAttention,
    HeardEom,
    HeardHeader,
    OperatorDecision,
    OutputResult,
    RelayDone,
    RelayFailed,
    SignatureStatus,
    SourceHealth,
)

__all__ = [
    "Action", "Decision", "Hold", "LogAlert", "OperatorAction", "OutputRecord", "PollCap",
    "Relay", "RelayPlan", "RelayStatus", "RunHooks", "SourceStatus", "TestStatus",
    "CapConfig", "Config", "FilterConfig", "OutputConfig", "RelayConfig", "SourceConfig",
    "StationConfig", "TestsConfig", "load_config", "parse_config",
    "CapReceived", "Event", "HeardAttention", "HeardEom", "HeardHeader", "OperatorDecision",
    "OutputResult", "RelayDone", "RelayFailed", "SignatureStatus", "SourceHealth",
]
