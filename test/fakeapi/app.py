"""App: the state every request handler shares (store, faults, log, settings, watches)."""

import threading

import api
from faults import Faults, RequestLog
from store import Store

DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class App:
    def __init__(self, token_file=None, client_ca=None, start_rv=1000, history_limit=5000, continue_ttl=300.0,
                 bookmark_interval=5.0, watch_timeout=1800.0, watchlist=True, rv0_ignores_limit=False,
                 forbid=(), default_namespaces=True, verbose=False):
        self.store = Store(start_rv, history_limit, continue_ttl)
        self.faults = Faults(self.store.wake)
        self.log = RequestLog()
        self.token_file = token_file
        self.client_ca = client_ca
        self.verbose = verbose
        self.default_namespaces = default_namespaces
        self.config = {"bookmark_interval": float(bookmark_interval), "watch_timeout": float(watch_timeout),
                       "watchlist": bool(watchlist), "rv0_ignores_limit": bool(rv0_ignores_limit),
                       "forbid": list(forbid), "gzip_min": 128 * 1024, "too_large_wait": 2.0,
                       "namespace_delete_delay": 0.5}
        self.watches = {}
        self.watch_lock = threading.Lock()
        if default_namespaces:
            self._namespaces()

    def _namespaces(self):
        for ns in DEFAULT_NAMESPACES:
            api.ensure_namespace(self, ns)

    def configure(self, changes):
        for k, v in changes.items():
            if k == "history_limit":
                self.store.history_limit = int(v)
                self.store.trim(int(v))
            elif k == "continue_ttl":
                self.store.continue_ttl = float(v)
            else:
                self.config[k] = v
        self.store.wake()

    def config_view(self):
        view = dict(self.config)
        view["history_limit"] = self.store.history_limit
        view["continue_ttl"] = self.store.continue_ttl
        view["token_file"] = self.token_file
        view["client_certificates"] = bool(self.client_ca)
        return view

    def reset(self):
        """Deletes every object (watchers see DELETED), clears faults and the log."""
        self.faults.remove(None)
        with self.store.cond:
            for res in list(self.store.objects):
                if res == "namespaces":
                    continue
                for key in sorted(self.store.objects[res]):
                    self.store.write(res, key, None)
            for key in sorted(self.store.objects.get("namespaces", {})):
                self.store.write("namespaces", key, None)
            if self.default_namespaces:
                self._namespaces()
        self.log.clear()

    def watch_opened(self, w):
        with self.watch_lock:
            self.watches[w.id] = w.info
        self.store.wake()

    def watch_closed(self, w):
        with self.watch_lock:
            self.watches.pop(w.id, None)
        self.store.wake()

    def watch_list(self):
        with self.watch_lock:
            return [dict(i) for i in self.watches.values()]
