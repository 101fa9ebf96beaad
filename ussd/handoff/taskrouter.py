"""Twilio TaskRouter through the official SDK: create, update and find tasks; check set-up.

Errors are sorted into three kinds for the dispatcher: `Retry` (429, 5xx, timeouts,
connection errors, and 401: credentials being rotated or mistyped are fixed by a person,
and the hand-offs must wait for that rather than fail), `Refused` (any other 4xx: this
request is wrong) and, for task updates, `Gone` (the task no longer takes updates: make a
new one).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

log = logging.getLogger("ussd.handoff.taskrouter")
REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_WORKSPACE_SID", "TWILIO_WORKFLOW_SID")
EVENTS_FILTER = (
    "task.created,task.canceled,task.completed,task.deleted,task.wrapup,reservation.accepted"
)
_PHONE_LIKE = re.compile(r"\+?\d[\d \-]{6,}\d")


class DeliveryError(Exception):
    """`reason` is stored and shown to the operator; `brief` is the same without Twilio's
    own wording, for log lines (Twilio's message could quote what we sent it: the caller's
    answers)."""

    def __init__(self, reason: str, status: int | None = None, brief: str | None = None):
        super().__init__(reason)
        self.reason = _scrub(reason)[:480]
        self.brief = _scrub(brief or reason)[:480]
        self.status = status


class Retry(DeliveryError):
    """Try again later (rate limit, Twilio error, timeout, network)."""


class Refused(DeliveryError):
    """Twilio refused the request (4xx): retrying the same request will not help."""


class Gone(DeliveryError):
    """The task cannot be updated any more (completed, canceled or deleted)."""


def _scrub(text: str) -> str:
    """Error texts are stored and shown: never let a phone number ride along."""
    return _PHONE_LIKE.sub("[number]", text)


def missing_settings(config: Mapping[str, Any]) -> list[str]:
    missing = [name for name in REQUIRED if not config.get(name)]
    if not config.get("TWILIO_AUTH_TOKEN") and not (
        config.get("TWILIO_API_KEY_SID") and config.get("TWILIO_API_KEY_SECRET")
    ):
        missing.append("TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)")
    return missing


def auth_tokens(config: Mapping[str, Any]) -> list[str]:
    """TWILIO_AUTH_TOKEN: one, or the new and the old comma-separated while rotating."""
    return [t.strip() for t in (config.get("TWILIO_AUTH_TOKEN") or "").split(",") if t.strip()]


def classify(exc: BaseException, action: str) -> DeliveryError:
    """The DeliveryError for an exception raised while talking to Twilio."""
    if isinstance(exc, TwilioRestException | TwilioServiceException):
        status = int(exc.status or 0)
        code = getattr(exc, "code", None)
        message = (
            getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "")
        )
        brief = f"{action}: HTTP {status}" + (f" (Twilio error {code})" if code else "")
        reason = brief + (f": {message}" if message else "")
        if status == 429 or status >= 500:
            return Retry(reason, status, brief)
        if status == 401:
            check = " (Twilio refused the credentials: check them)"
            return Retry(reason + check, status, brief + check)
        return Refused(reason, status, brief)
    if isinstance(exc, requests.Timeout):
        return Retry(f"{action}: Twilio did not answer in time", None)
    if isinstance(exc, requests.ConnectionError):
        return Retry(f"{action}: could not connect to Twilio", None)
    if isinstance(exc, requests.RequestException | TwilioException):
        return Retry(f"{action}: {type(exc).__name__}", None)
    return Retry(f"{action}: unexpected {type(exc).__name__}", None)


@dataclass
class TaskRouter:
    account_sid: str
    secret: str  # the auth token, or the API key secret
    workspace_sid: str
    workflow_sid: str
    task_channel: str = "ussd"
    timeout: float = 10.0
    base_url: str = ""  # TWILIO_TASKROUTER_URL: a stand-in for soak tests
    api_key_sid: str = ""
    _client: Client | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TaskRouter:
        api_key = config.get("TWILIO_API_KEY_SID") or ""
        return cls(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            secret=(config.get("TWILIO_API_KEY_SECRET") or "")
            if api_key
            else auth_tokens(config)[0],
            api_key_sid=api_key,
            workspace_sid=config["TWILIO_WORKSPACE_SID"],
            workflow_sid=config["TWILIO_WORKFLOW_SID"],
            task_channel=config.get("TWILIO_TASK_CHANNEL") or "ussd",
            timeout=float(config.get("TWILIO_HTTP_TIMEOUT") or 10.0),
            base_url=config.get("TWILIO_TASKROUTER_URL") or "",
        )

    @property
    def client(self) -> Client:
        if self._client is None:
            # An explicit timeout: a hung connection must not hold a delivery lease forever.
            http = TwilioHttpClient(timeout=self.timeout)
            self._client = Client(
                self.api_key_sid or self.account_sid,
                self.secret,
                account_sid=self.account_sid,
                http_client=http,
            )
            if self.base_url:
                self._client.taskrouter.base_url = self.base_url.rstrip("/")
        return self._client

    @property
    def workspace(self) -> Any:
        return self.client.taskrouter.v1.workspaces(self.workspace_sid)

    def create_task(self, attributes: Mapping[str, Any]) -> str:
        try:
            task = self.workspace.tasks.create(
                attributes=json.dumps(attributes, ensure_ascii=False),
                workflow_sid=self.workflow_sid,
                task_channel=self.task_channel,
            )
        except Exception as exc:  # noqa: BLE001 - sorted into retry / refused
            raise classify(exc, "create task") from None
        return str(task.sid)

    def update_task(self, task_sid: str, attributes: Mapping[str, Any]) -> None:
        try:
            self.workspace.tasks(task_sid).update(
                attributes=json.dumps(attributes, ensure_ascii=False)
            )
        except Exception as exc:  # noqa: BLE001
            error = classify(exc, "update task")
            if isinstance(error, Refused) and error.status in (400, 404):
                raise Gone(error.reason, error.status, error.brief) from None
            raise error from None

    def patch_task(self, task_sid: str, changes: Mapping[str, Any]) -> None:
        """Set some attributes of a task, keeping the others (TaskRouter replaces the whole
        attributes document on update, so read it first). A task that is gone or closed
        raises Gone: there is nothing left to tell it."""
        try:
            task = self.workspace.tasks(task_sid).fetch()
        except Exception as exc:  # noqa: BLE001
            error = classify(exc, "read task")
            if isinstance(error, Refused) and error.status == 404:
                raise Gone("the task no longer exists at Twilio", 404) from None
            raise error from None
        if str(task.assignment_status) in ("completed", "canceled"):
            raise Gone(f"the task is already {task.assignment_status}")
        attributes = json.loads(task.attributes or "{}")
        attributes.update(changes)
        self.update_task(task_sid, attributes)

    def find_task(self, ussd_session_id: str) -> str | None:
        """The SID of a task already made for this USSD session, if any.

        Used before creating a task on a retry: the earlier attempt may have reached Twilio
        (a timeout after the task was made, a worker killed before it stored the SID).
        """
        if '"' in ussd_session_id or "\\" in ussd_session_id:
            return None  # cannot be written in a TaskRouter expression; rare and harmless
        try:
            tasks = self.workspace.tasks.list(
                evaluate_task_attributes=f'ussd_session_id == "{ussd_session_id}"', limit=1
            )
        except Exception as exc:  # noqa: BLE001
            raise classify(exc, "look up task") from None
        return str(tasks[0].sid) if tasks else None


@dataclass
class SetupReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)

    def good(self, text: str) -> None:
        self.lines.append(f"ok    {text}")

    def bad(self, text: str) -> None:
        self.ok = False
        self.lines.append(f"FAIL  {text}")

    def note(self, text: str) -> None:
        self.lines.append(f"      {text}")


def _look_up(report: SetupReport, fetch: Callable[[], Any], action: str, missing: str) -> Any:
    """One resource the set-up needs, or None after reporting why not (`missing` on a 404)."""
    try:
        return fetch()
    except Exception as exc:  # noqa: BLE001 - every failure is reported to the operator
        error = classify(exc, action)
        report.bad(missing if error.status == 404 else error.reason)
        return None


def check_setup(
    router: TaskRouter, events_url: str | None = None, create_channel: bool = True
) -> SetupReport:
    """Check credentials, workspace, workflow and task channel; create the channel if missing."""
    report = SetupReport()
    client = router.client
    try:
        account = client.api.v2010.accounts(router.account_sid).fetch()
        report.good(f"credentials accepted (account {account.friendly_name!r})")
    except Exception as exc:  # noqa: BLE001
        error = classify(exc, "check credentials")
        if error.status in (401, 403, 404):
            report.bad(
                "Twilio rejected TWILIO_ACCOUNT_SID / "
                + ("TWILIO_API_KEY_SID" if router.api_key_sid else "TWILIO_AUTH_TOKEN")
            )
        else:
            report.bad(f"could not reach Twilio: {error.reason}")
        return report
    workspace = _look_up(
        report,
        router.workspace.fetch,
        "fetch workspace",
        f"TWILIO_WORKSPACE_SID {router.workspace_sid} not found in this account",
    )
    if workspace is None:
        return report
    report.good(f"workspace {router.workspace_sid} ({workspace.friendly_name!r})")
    workflow = _look_up(
        report,
        router.workspace.workflows(router.workflow_sid).fetch,
        "fetch workflow",
        f"TWILIO_WORKFLOW_SID {router.workflow_sid} not found in the workspace",
    )
    if workflow is not None:
        report.good(f"workflow {router.workflow_sid} ({workflow.friendly_name!r})")
    channel_sid = None
    try:
        for channel in router.workspace.task_channels.list():
            if channel.unique_name == router.task_channel:
                channel_sid = channel.sid
        if channel_sid:
            report.good(f"task channel {router.task_channel!r} exists ({channel_sid})")
        elif create_channel:
            created = router.workspace.task_channels.create(
                friendly_name="USSD", unique_name=router.task_channel
            )
            channel_sid = created.sid
            report.good(f"task channel {router.task_channel!r} created ({channel_sid})")
        else:
            report.bad(f"task channel {router.task_channel!r} is missing")
    except Exception as exc:  # noqa: BLE001
        report.bad(classify(exc, "task channels").reason)
    if channel_sid:
        _check_capacity(router, channel_sid, report)
    current = getattr(workspace, "event_callback_url", None) or ""
    if events_url:
        try:
            router.workspace.update(event_callback_url=events_url, events_filter=EVENTS_FILTER)
            report.good(f"task events will be sent to {events_url}")
        except Exception as exc:  # noqa: BLE001
            report.bad(classify(exc, "set the event callback").reason)
    elif current:
        report.good(f"task events are sent to {current}")
    else:
        report.todo.append(
            "Send task events to this service (agent waiting times): run "
            "`flask --app app flex setup --events-url https://YOUR-HOST/flex/events`."
        )
    report.todo.append(
        f'Make sure the workflow routes tasks with channel == "ussd" to a queue '
        f"of agents (it receives them on the {router.task_channel!r} channel)."
    )
    report.todo.append("Deploy the agents' plugin: see flex-plugin/README.md.")
    return report


def _check_capacity(router: TaskRouter, channel_sid: str, report: SetupReport) -> None:
    try:
        workers = router.workspace.workers.list(limit=200)
        ready = 0
        for worker in workers[:50]:
            for wc in router.workspace.workers(worker.sid).worker_channels.list():
                if wc.task_channel_sid == channel_sid and wc.configured_capacity and wc.available:
                    ready += 1
        checked = min(len(workers), 50)
        if ready:
            report.good(f"{ready} of {checked} agents have capacity on {router.task_channel!r}")
        else:
            report.todo.append(
                f"No agent has capacity on the {router.task_channel!r} channel yet: in the "
                "Twilio Console, TaskRouter > Workspaces > Workers > (agent) > Channels, set "
                f"{router.task_channel!r} capacity to 1 or more and make it available."
            )
    except Exception as exc:  # noqa: BLE001
        report.note(f"could not read agents' channels ({classify(exc, 'workers').reason})")
