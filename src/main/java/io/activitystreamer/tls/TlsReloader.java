package io.activitystreamer.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the TLS files (once a second, on the owning verticle's event loop) and, once a change has
 * held still for one poll (so a certificate and its key written one after the other are taken
 * together), loads them and hands them to {@code apply} (an {@code updateSSLOptions} of a server or
 * client). New connections then use the new certificate; open ones keep theirs. A load that fails
 * (a file missing or unreadable) is logged and tried again at the next poll; an update refused (a
 * file that is not PEM) is logged and tried again when the files change again. The old certificate
 * stays in use meanwhile.
 */
public final class TlsReloader {
  private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);
  public static final long POLL_MILLIS = 1000;

  private final TlsFiles files;
  private final String what;
  private final Function<TlsFiles.Material, Future<?>> apply;
  private List<Object> applied;
  private List<Object> seen;
  private boolean busy;

  private TlsReloader(TlsFiles files, String what, Function<TlsFiles.Material, Future<?>> apply) {
    this.files = files;
    this.what = what;
    this.apply = apply;
    this.applied = files.stamp();
    this.seen = applied;
  }

  /** Starts polling; returns the timer id (cancelled with the verticle's undeployment). */
  public static long watch(Vertx vertx, TlsFiles files, String what, Function<TlsFiles.Material, Future<?>> apply) {
    TlsReloader r = new TlsReloader(files, what, apply);
    return vertx.setPeriodic(POLL_MILLIS, id -> r.poll());
  }

  private void poll() {
    List<Object> now = files.stamp();
    boolean settled = now.equals(seen);
    seen = now;
    if (busy || !settled || now.equals(applied)) {
      return;
    }
    TlsFiles.Material m;
    try {
      m = files.load();
    } catch (RuntimeException e) {
      LOG.warn("TLS files changed but cannot be loaded for {} ({}); keeping the current certificate", what,
          e.getMessage());
      return;
    }
    busy = true;
    apply.apply(m).onComplete(ar -> {
      busy = false;
      if (ar.succeeded()) {
        applied = now;
        LOG.info("TLS certificate reloaded for {}", what);
      } else {
        LOG.warn("TLS files changed but were refused for {} ({}); keeping the current certificate", what,
            ar.cause().getMessage());
        applied = now; // retried when the files change again
      }
    });
  }
}
