"""Reading and validating a file as a stream of chunks, in this process or beside it.

Reading, validating and preparing rows (hashes, windows, snapshots) needs no
database, and on a big file it costs about as much as writing. For files over
PORTAL_IMPORT_PARALLEL_MIN_BYTES it therefore runs in a second process
(a plain `python` subprocess running child_main, so it also works inside
Celery's daemonic workers) that streams chunks back through a pipe while this
process writes the previous chunk to the database: two cores instead of one.
Smaller files are read inline. Both paths run the same generator.
"""

import datetime as dt
import gc
import os
import pickle  # nosec B403  # pickle only between this process and its own reader subprocess
import queue
import struct
import subprocess  # nosec B404  # fixed commands, arguments as a list, never a shell
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from importers.readers import open_table
from importers.schema import FileRejected, ImportSchema

# Messages: ("header", encoding, header_text) · ("chunk", rows, problems, rejected, rows_total, fraction)
# · ("rejected", code, params) · ("failed", text) · ("end",)
_LENGTH = struct.Struct("!Q")


@dataclass
class ReadJob:
    path: str
    file_name: str
    schema: ImportSchema
    today: dt.date
    chunk_rows: int
    max_rows: int
    rule: object
    item_is_public: bool
    title_field: str
    identity_key: str = ""
    source_uscc: str = ""


def _row_label(cells, header) -> str:
    parts = []
    for key in ("decision_no", "subject_name"):
        index = header.columns.get(key)
        if index is not None and index < len(cells) and cells[index] not in (None, ""):
            parts.append(str(cells[index]))
    return " ".join(parts)[:300]


def read_chunks(
    job: ReadJob, *, part: int = 0, parts: int = 1, detach_data: bool = False
) -> Iterator[tuple]:
    """The file as messages (see above). FileRejected for a bad file or header.

    The file is cut into chunks of job.chunk_rows data rows; this reader
    validates chunk i when i % parts == part and only counts the others, so
    several readers can share a file and their chunks interleave in order.
    """
    from exchange.loader import Preparer
    from exchange.models import RowOutcome
    from exchange.validation import RowValidator

    preparer = Preparer(
        rule=job.rule,
        item_is_public=job.item_is_public,
        title_field=job.title_field,
        today=job.today,
    )
    with open_table(job.path, job.file_name) as table:
        header = job.schema.map_header(table.header()[1])
        yield ("header", table.encoding, header.header_text)
        validator = RowValidator(job.schema, header, job.today, source_uscc=job.source_uscc)
        rows_total = 0
        chunk_index, in_chunk = 0, 0
        mine = part == 0
        clean_rows, problems, rejected = [], [], []
        for number, cells in table.rows():
            if validator.is_example(cells):
                continue
            rows_total += 1
            if rows_total > job.max_rows:
                raise FileRejected("too_many_rows", {"limit": job.max_rows})
            if mine:
                clean, found = validator.validate(number, cells)
                if found:
                    problems.extend(found)
                    rejected.append((number, RowOutcome.REJECTED, _row_label(cells, header)))
                else:
                    preparer.prepare(clean)
                    if detach_data:
                        clean.data = None  # the canonical JSON carries it
                    clean_rows.append(clean)
            in_chunk += 1
            if in_chunk == job.chunk_rows:
                if mine:
                    yield ("chunk", clean_rows, problems, rejected, rows_total, table.progress())
                    clean_rows, problems, rejected = [], [], []
                chunk_index += 1
                in_chunk = 0
                mine = chunk_index % parts == part
        if mine and (in_chunk or chunk_index == 0):
            yield ("chunk", clean_rows, problems, rejected, rows_total, 1.0)


def iter_messages(job: ReadJob, *, readers: int = 0) -> Iterator[tuple]:
    """Messages of the whole file in order: read inline (readers=0) or by that
    many reader processes, whose chunks are taken in turn."""
    if readers <= 0:
        yield from read_chunks(job)
        return
    try:
        processes = [ReaderProcess(job, part=k, parts=readers) for k in range(readers)]
    except OSError:
        yield from read_chunks(job)
        return
    try:
        streams = [process.messages() for process in processes]
        headers = [next(stream) for stream in streams]
        yield headers[0]
        turn = 0
        while True:
            message = next(streams[turn % readers], None)
            if message is None:  # the reader whose turn it is has no more chunks: done
                return
            yield message
            turn += 1
    finally:
        for process in processes:
            process.close()


class ReaderProcess:
    """A `python` child running child_main: the job on stdin, chunks on stdout."""

    def __init__(self, job: ReadJob, *, part: int = 0, parts: int = 1):
        from django.conf import settings

        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
        base = str(settings.BASE_DIR)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [base, env.get("PYTHONPATH", "")]))
        job.identity_key = settings.PORTAL_IDENTITY_HASH_KEY
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603  # our own interpreter and code
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=base,
            env=env,
        )
        self.process.stdin.write(pickle.dumps((job, part, parts), protocol=pickle.HIGHEST_PROTOCOL))
        self.process.stdin.close()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.stdout.close()
        self.process.wait()

    def messages(self) -> Iterator[tuple]:
        # A thread drains the pipe into a small queue, so the reader process never
        # waits for this one to finish writing a chunk (and only then for the next).
        frames: queue.Queue = queue.Queue(maxsize=4)
        stop = threading.Event()
        thread = threading.Thread(target=self._drain, args=(frames, stop), daemon=True)
        thread.start()
        try:
            while True:
                frame = frames.get()
                if frame is None:
                    code = self.process.wait()
                    raise RuntimeError(f"the file reader process stopped (exit status {code})")
                message = pickle.loads(frame)  # noqa: S301  # nosec B301  # our own child process
                kind = message[0]
                if kind == "end":
                    return
                if kind == "rejected":
                    raise FileRejected(message[1], message[2])
                if kind == "failed":
                    raise RuntimeError(f"the file reader process failed: {message[1]}")
                yield message
        finally:
            stop.set()

    def _drain(self, frames: queue.Queue, stop: threading.Event) -> None:
        stream = self.process.stdout
        while not stop.is_set():
            head = stream.read(_LENGTH.size)
            frame = stream.read(_LENGTH.unpack(head)[0]) if len(head) == _LENGTH.size else None
            while not stop.is_set():
                try:
                    frames.put(frame, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if frame is None:
                return


# Django is set up before this module (whose imports need the app registry) is imported.
_CHILD = "import django; django.setup(); from exchange.pipeline import child_main; child_main()"


def child_main() -> None:
    job, part, parts = pickle.loads(sys.stdin.buffer.read())  # noqa: S301  # nosec B301  # from our parent
    from django.conf import settings

    if job.identity_key:
        settings.PORTAL_IDENTITY_HASH_KEY = job.identity_key
    out = sys.stdout.buffer

    def send(message):
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(data)))
        out.write(data)
        out.flush()

    gc.disable()  # see exchange.tuning.without_cyclic_gc
    try:
        for message in read_chunks(job, part=part, parts=parts, detach_data=True):
            send(message)
    except FileRejected as exc:
        send(("rejected", exc.code, exc.params))
    except BrokenPipeError:
        return
    except Exception as exc:  # reported to the parent, which rolls its transaction back
        send(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    send(("end",))
