"""Report parameters, metrics, tags and artifacts of a Python program to `repro run`.

Standard library only, Python 3.8 or later. Copy this file next to your script, or put its folder on PYTHONPATH.

    import repro_client as repro

    run = repro.current()
    lr = run.param("lr", 0.1)          # `repro run` override if given, else 0.1; recorded with its source
    random.seed(run.seed)
    for epoch in range(10):
        run.log("loss", loss, step=epoch)
    run.artifact("out/model.json")

Inside `repro run -- python train.py` the run reads REPRO_RUN_ID, REPRO_SEED, REPRO_PARAMS and REPRO_EVENTS and
appends one JSON line per event to the events file. Outside `repro run` every call still works but records
nothing (one warning on stderr). Logging never raises: a bad key or value is dropped with a warning.
"""

import json
import math
import os
import random
import sys
import threading
import time

__all__ = ["Run", "current", "ReproParamError"]

_MAX_KEY_LENGTH = 250
_MAX_VALUE_LENGTH = 64 * 1024
_SEED_MAX = 2**32 - 1


class ReproParamError(ValueError):
    """A parameter override that does not parse as the type of its default."""


def _warn(message):
    try:
        sys.stderr.write("repro: warning: " + message + "\n")
        sys.stderr.flush()
    except Exception:  # stderr closed: nowhere left to say it
        pass


def _format_float(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def _env_name(key):
    return "REPRO_PARAM_" + "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in key)


class Run:
    """The run this process reports to. Get it with `current()`; all methods are thread-safe."""

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self._lock = threading.Lock()
        self._warned = set()
        self._fd = None
        self._events = env.get("REPRO_EVENTS") or None
        run_id = env.get("REPRO_RUN_ID") or None
        self.attached = bool(run_id and self._events)
        self.deterministic = env.get("REPRO_DETERMINISTIC") == "1"
        self.threads = _positive_int(env.get("REPRO_THREADS")) or os.cpu_count() or 1
        self._env = env
        if self.attached:
            self.id = run_id
            self._params = _parse_params(env.get("REPRO_PARAMS", ""))
            seed_text = (env.get("REPRO_SEED") or "").strip()
            if seed_text.isdigit() and int(seed_text) <= _SEED_MAX:
                self.seed = int(seed_text)
            else:
                self.seed = random.SystemRandom().randrange(_SEED_MAX + 1)
                _warn("REPRO_SEED is %r, not a seed; using %d, recorded as tag repro.sdk_drawn_seed." % (seed_text, self.seed))
                self.tag("repro.sdk_drawn_seed", str(self.seed))
        else:
            self.id = None
            self._params = {}
            self.seed = random.SystemRandom().randrange(_SEED_MAX + 1)
            _warn("not inside `repro run`; nothing is recorded (seed %d). "
                  "To record this run, start it with `repro run -- python ...`." % self.seed)

    def param(self, key, default):
        """The value given to `repro run` for `key` (or in REPRO_PARAM_<KEY>), converted to the type of `default`
        (bool, int, float or str; with a None default the text is returned as given); else `default`. Records the
        value and its source. Raises ReproParamError when the given value does not parse."""
        if not isinstance(key, str) or not 0 < len(key) <= _MAX_KEY_LENGTH:
            raise ValueError("a parameter key must be a string of 1 to %d characters, got %r" % (_MAX_KEY_LENGTH, key))
        if default is not None and not isinstance(default, (bool, int, float, str)):
            raise TypeError("param %r: the default must be a bool, int, float, str or None, got %s" %
                            (key, type(default).__name__))
        if key in self._params:
            text, source, origin = self._params[key], "cli", "the `repro run` command line (REPRO_PARAMS)"
        elif self._env.get(_env_name(key)):
            text, source, origin = self._env[_env_name(key)], "env", "environment variable " + _env_name(key)
        else:
            text, source, origin = None, "default", None
        value = default if text is None else _convert(key, text, default, origin)
        if value is not None:  # a None default that nobody overrode has no value to record
            self._write({"type": "param", "key": key, "value": _param_text(value), "source": source})
        return value

    def log(self, key, value, step=None):
        """Records a metric point. `value` is anything float() accepts (numpy and torch scalars too); NaN and
        infinities are kept. `step` is a non-negative int, or None for one after the key's previous step."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            self._drop("metric %r: value %r is not a number" % (key, value))
            return
        if not _valid_key(key):
            self._drop("metric key %r: keys must be strings of 1 to %d characters" % (key, _MAX_KEY_LENGTH))
            return
        event = {"type": "metric", "key": key, "value": number if math.isfinite(number) else _format_float(number)}
        if step is not None:
            try:
                step = int(step)
            except (TypeError, ValueError):
                step = -1
            if step < 0:
                self._drop("metric %r: step must be a non-negative integer" % (key,))
                return
            event["step"] = step
        event["time"] = round(time.time(), 3)
        self._write(event)

    def tag(self, key, value):
        """Sets a tag on the run; a later value for the same key replaces it."""
        value = str(value)
        if not _valid_key(key) or len(value) > _MAX_VALUE_LENGTH:
            self._drop("tag %r: keys must be strings of 1 to %d characters, values at most 64 KiB" % (key, _MAX_KEY_LENGTH))
            return
        self._write({"type": "tag", "key": key, "value": value})

    def artifact(self, path, name=None):
        """Records a file the run produced (relative to the working directory or absolute); repro stores a copy."""
        path = os.fspath(path)
        if not path:
            self._drop("artifact: the path is empty")
            return
        event = {"type": "artifact", "path": path}
        if name is not None:
            event["name"] = str(name)
        self._write(event)

    def _drop(self, why):
        with self._lock:
            first = "invalid" not in self._warned
            self._warned.add("invalid")
        if first:
            _warn("dropped " + why + "; further invalid events are dropped silently.")

    def _write(self, event):
        if not self.attached:
            return
        line = (json.dumps(event, ensure_ascii=True, allow_nan=False) + "\n").encode("ascii")
        with self._lock:
            try:
                if self._fd is None:
                    # O_APPEND: each line lands whole at the end, even with other processes writing the same file.
                    self._fd = os.open(self._events, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
                view = memoryview(line)
                while view:
                    view = view[os.write(self._fd, view):]
            except OSError as e:
                if "write" not in self._warned:
                    self._warned.add("write")
                    _warn("could not record an event in %s (%s); training continues." % (self._events, e))


def _valid_key(key):
    return isinstance(key, str) and 0 < len(key) <= _MAX_KEY_LENGTH


def _positive_int(text):
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _parse_params(text):
    if not text.strip():
        return {}
    try:
        params = json.loads(text)
    except ValueError as e:
        raise ReproParamError("REPRO_PARAMS is not valid JSON (%s); it is set by `repro run`." % e) from None
    if not isinstance(params, dict):
        raise ReproParamError("REPRO_PARAMS must be a JSON object like {\"lr\": \"0.05\"}; it is set by `repro run`.")
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def _convert(key, text, default, origin):
    kind = type(default)
    try:
        if isinstance(default, bool):
            lowered = text.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise ValueError(text)
        if isinstance(default, int):
            return int(text.strip(), 10)
        if isinstance(default, float):
            stripped = text.strip()
            lowered = stripped.lower().lstrip("+")
            if lowered in ("nan", "-nan"):
                return math.nan
            if lowered in ("infinity", "inf"):
                return math.inf
            if lowered in ("-infinity", "-inf"):
                return -math.inf
            return float(stripped)
        return text
    except ValueError:
        expected = {bool: "true or false", int: "a whole number (int)", float: "a number (float)"}.get(kind, kind.__name__)
        raise ReproParamError("param %r is %r (from %s), which is not %s. Give %s for %r." %
                              (key, text, origin, expected, expected, key)) from None


def _param_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _format_float(value)
    return str(value)


_current = None
_current_lock = threading.Lock()


def current():
    """The run of this process, created on first use from the REPRO_* environment variables."""
    global _current
    with _current_lock:
        if _current is None:
            _current = Run()
        return _current
