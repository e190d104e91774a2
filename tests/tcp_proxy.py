"""A TCP proxy for fault tests: the app talks to PostgreSQL or Redis through it, and the test
cuts the line while requests flow, without touching the real service (other tests use it).

    proxy = TcpProxy(5432)           # listens on 127.0.0.1:proxy.port
    proxy.cut()                      # open connections reset, new ones reset at once (server down)
    proxy.cut(hang=True)             # open connections reset, new ones accepted and never answered
    proxy.restore()                  # forwards again
    proxy.close()
"""
import socket
import struct
import threading

OPEN, REFUSE, HANG = "open", "refuse", "hang"


def _reset(sock):
    """Close with an RST, as a dead server or a firewall does, rather than a polite FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class TcpProxy:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.mode = OPEN
        self.accepted = 0
        self._lock = threading.Lock()
        self._links = set()  # sockets of forwarded connections, both ends
        self._held = []  # connections accepted in HANG mode
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self.accepted += 1
            with self._lock:
                mode = self.mode
                if mode == HANG:
                    self._held.append(client)
                    continue
            if mode == REFUSE:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self.mode != OPEN:  # cut while connecting
                    _reset(client)
                    _reset(upstream)
                    continue
                self._links.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._links.discard(source)
                self._links.discard(sink)
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                _reset(sock)

    def cut(self, hang=False):
        with self._lock:
            self.mode = HANG if hang else REFUSE
            links, self._links = list(self._links), set()
        for sock in links:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            _reset(sock)

    def restore(self):
        with self._lock:
            self.mode = OPEN
            held, self._held = self._held, []
        for sock in held:
            _reset(sock)

    def close(self):
        self._stopped.set()
        self.cut()
        self.restore()
        self._listener.close()
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
