#!/usr/bin/python3
"""Drive a command inside a pseudo-terminal like a person at a keyboard, for shell tests of
an interactive REPL (line editing, Ctrl-C, Ctrl-D). Python 3 standard library only.

    pty_drive.py [--term TERM] [--timeout SECONDS] [--cols N --rows N] --log FILE \\
                 -- CMD [ARGS...] < SCRIPT

The child runs in a new session with the pty as its controlling terminal (pty.fork), so a
typed Ctrl-C (byte 0x03) raises SIGINT in it while the terminal has ISIG on (cooked mode),
and arrives as the byte 0x03 once the child has put the terminal in raw mode.
Environment: the caller's, with TERM=--term (default dumb), COLUMNS/LINES=--cols/--rows
(default 80x24; the pty window size is set to the same with TIOCSWINSZ).

SCRIPT: one action per line; blank lines and lines starting with '#' are ignored. The
argument is everything after the first space, trailing spaces included ("expect name? "
waits for "name? "). TEXT takes backslash escapes \\r \\n \\t \\\\ \\xNN \\uNNNN \\UNNNNNNNN
(and \\e for ESC); any other character, UTF-8 included, stands for itself. Text is sent as
UTF-8, so \\xNN above \\x7f is a code point (\\xe9 sends c3 a9), not a raw byte.
    expect TEXT         wait until TEXT appears in the output after the end of the previous
                        match (expect or expect-re); fail after --timeout seconds (default
                        30), or if the child exits first (the reason gives its status)
    expect-re REGEX     the same with a Python regular expression (re.DOTALL)
    send TEXT           write TEXT to the terminal all at once (as pasted keys)
    type TEXT           write TEXT one character at a time, 20 ms apart (as typed)
    sleep SECONDS       pause (a float); output is still read meanwhile
    eof                 send Ctrl-D (byte 0x04)
    wait-exit [CODE]    wait up to --timeout for the child to exit; with CODE, fail unless
                        the status equals it. Status as Python's subprocess reports it:
                        exit(n) -> n, killed by signal S -> -S (SIGINT -> -2)
    mark NAME           remember the current end of the output
    no-output-since NAME TEXT   fail if TEXT appears in the output after mark NAME
    absent TEXT         fail if TEXT appears anywhere in the output so far

Matching is over the output decoded as UTF-8 (errors='replace'). Note the terminal's
output processing: with ONLCR on (the default), the child's "\\n" arrives as "\\r\\n", and
in cooked mode typed characters are echoed back, a typed "\\r" echoing as "\\r\\n".

--log FILE always receives the raw transcript (the exact bytes the child wrote to the pty),
also on failure. Exit 0 when every action succeeded; a child still running at the end of
the script is then killed (SIGTERM, SIGKILL 2 s later) and that is not a failure. On a
failure: one line on stderr,
    pty_drive: line N (ACTION): REASON; last output: '...last ~300 characters...'
the child is killed and the exit status is 1 (2 for bad command-line usage).
"""
import argparse, codecs, fcntl, os, pty, re, select, signal, struct, sys, termios, threading, time

ACTIONS = ('expect', 'expect-re', 'send', 'type', 'sleep', 'eof', 'wait-exit', 'mark',
           'no-output-since', 'absent')
ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', '\\': '\\', 'e': '\x1b', 'a': '\a', 'b': '\b',
           'f': '\f', 'v': '\v', "'": "'", '"': '"'}
ESCAPE_RE = re.compile(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)', re.S)


class Fail(Exception):
    pass


def unescape(s):
    def one(m):
        e = m.group(1)
        return chr(int(e[1:], 16)) if len(e) > 1 else ESCAPES.get(e, '\\' + e)
    return ESCAPE_RE.sub(one, s)


class Child:
    """The command on a pty, with a thread that keeps reading its output."""

    def __init__(self, argv, env, cols, rows):
        pid, fd = pty.fork()
        if pid == 0:  # child: fd 0/1/2 are the pty slave, which is the controlling tty
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
                os.execvpe(argv[0], argv, env)
            except OSError as e:
                os.write(2, f'pty_drive: cannot run {argv[0]}: {e}\n'.encode())
            os._exit(127)
        self.pid, self.fd = pid, fd
        os.set_blocking(fd, False)
        self.raw, self.text, self.pos = bytearray(), '', 0
        self.decoder = codecs.getincrementaldecoder('utf-8')('replace')
        self.eof, self.status, self.stop = False, None, False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop:
            if not select.select([self.fd], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            except OSError:  # EIO: every slave fd is closed (the child has exited)
                data = b''
            with self.cond:
                self.raw += data
                self.text += self.decoder.decode(data, final=not data)
                self.eof = not data
                self.cond.notify_all()
            if not data:
                return

    def poll(self):
        """The exit status (-N for signal N), or None while running."""
        if self.status is None:
            try:
                pid, st = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, st = self.pid, 255 << 8
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
        return self.status

    def drain(self, seconds=1.0):
        """After exit: let the reader collect what is left in the pty (until EIO)."""
        with self.cond:
            self.cond.wait_for(lambda: self.eof, seconds)

    def write(self, data, timeout):
        deadline = time.monotonic() + timeout
        while data:
            try:
                data = data[os.write(self.fd, data):]
            except BlockingIOError:  # the child's input queue is full
                if time.monotonic() > deadline:
                    raise Fail(f'timed out after {timeout:g}s writing (child not reading)')
                select.select([], [self.fd], [], 0.05)
            except OSError as e:
                raise Fail(f'cannot write to the pty: {e} (child status {self.poll()})')

    def expect(self, find, what, timeout):
        """Wait until find(text, pos) gives the end of a match; move pos there."""
        deadline, exited = time.monotonic() + timeout, None
        with self.cond:
            while True:
                end = find(self.text, self.pos)
                if end is not None:
                    self.pos = end
                    return
                now = time.monotonic()
                if self.poll() is not None:
                    if self.eof or (exited and now - exited > 1):
                        raise Fail(f'child exited with status {self.status} before {what}')
                    exited = exited or now
                if now > deadline:
                    raise Fail(f'timed out after {timeout:g}s waiting for {what}')
                self.cond.wait(0.05)

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise Fail(f'child still running after {timeout:g}s')
            time.sleep(0.02)
        self.drain()
        return self.status

    def kill(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.poll() is not None:
                break
            for kill in (os.kill, os.killpg):  # the child leads its own process group
                try:
                    kill(self.pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + 2
            while self.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
        self.drain(0.5)

    def close(self):
        self.stop = True
        self.thread.join()
        os.close(self.fd)


def parse_script(data):
    steps = []
    for n, line in enumerate(data.split('\n'), 1):
        line = line.rstrip('\r').lstrip(' \t')
        if not line.strip() or line.startswith('#'):
            continue
        action, _, arg = line.partition(' ')
        steps.append((n, line, action, arg))
        try:
            if action not in ACTIONS:
                raise Fail(f'unknown action {action!r}')
            if action == 'sleep':
                float(arg)
            elif action == 'wait-exit' and arg.strip():
                int(arg)
            elif action == 'expect-re':
                re.compile(unescape(arg), re.S)
            elif action in ('mark', 'no-output-since') and not arg.split():
                raise Fail('needs a mark name')
        except (ValueError, re.error, Fail) as e:
            why = e if isinstance(e, Fail) else f'bad argument: {e}'
            raise Fail(f'line {n} ({line[:60]}): {why}') from None
    return steps


def run(child, action, arg, marks, timeout):
    text = unescape(arg)
    if action == 'expect':
        child.expect(lambda t, p: None if (i := t.find(text, p)) < 0 else i + len(text),
                     repr(text), timeout)
    elif action == 'expect-re':
        rx = re.compile(text, re.S)
        child.expect(lambda t, p: (m := rx.search(t, p)) and m.end(), f're {text!r}', timeout)
    elif action == 'send':
        child.write(text.encode(), timeout)
    elif action == 'type':
        for i, ch in enumerate(text):
            if i:
                time.sleep(0.02)
            child.write(ch.encode(), timeout)
    elif action == 'eof':
        child.write(b'\x04', timeout)
    elif action == 'sleep':
        time.sleep(float(arg))
    elif action == 'wait-exit':
        status = child.wait_exit(timeout)
        if arg.strip() and status != int(arg):
            raise Fail(f'child exited with status {status}, expected {int(arg)}')
    elif action == 'mark':
        marks[arg.strip()] = len(child.text)
    elif action == 'no-output-since':
        name, _, rest = arg.lstrip().partition(' ')
        if name not in marks:
            raise Fail(f'no mark named {name!r}')
        rest = unescape(rest)
        if rest in child.text[marks[name]:]:
            raise Fail(f'{rest!r} appeared after mark {name!r}')
    elif action == 'absent':
        if text in child.text:
            raise Fail(f'{text!r} appeared in the output')


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split('\n\n')[1].strip())
    ap.add_argument('--term', default='dumb')
    ap.add_argument('--timeout', type=float, default=30.0)
    ap.add_argument('--cols', type=int, default=80)
    ap.add_argument('--rows', type=int, default=24)
    ap.add_argument('--log', required=True)
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ['--'] else a.cmd
    if not cmd:
        ap.error('no command given (after --)')
    env = dict(os.environ, TERM=a.term, COLUMNS=str(a.cols), LINES=str(a.rows))
    child, failure = None, None
    try:
        steps = parse_script(sys.stdin.buffer.read().decode('utf-8', 'replace'))
        child = Child(cmd, env, a.cols, a.rows)
        marks = {}
        for n, line, action, arg in steps:
            try:
                run(child, action, arg, marks, a.timeout)
            except Fail as e:
                raise Fail(f'line {n} ({line[:60]}): {e}') from None
    except Fail as e:
        failure = str(e)
    except Exception as e:  # a bug or an OS error: still report one line, write the log
        failure = f'internal error: {type(e).__name__}: {e}'
    finally:
        if child:
            child.kill()
            child.close()
        with open(a.log, 'wb') as f:
            f.write(child.raw if child else b'')
    if failure:
        last = child.text[-300:] if child else ''
        print(f'pty_drive: {failure}; last output: {last!r}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
