package io.activitystreamer.http;

import io.activitystreamer.protocol.Fields;
import io.activitystreamer.store.StoreStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The gauges read from the state's mesh-info reply (sessions, backlog, members, links; the store's once a
 * reply has one), for {@link GatewayMetrics}: each scrape shows the last reply handed to {@link #update}.
 */
final class StateMeters {
  private static final String[] STATUSES = {"ALIVE", "SUSPECT", "DEAD"};
  private static final String DEAD = "DEAD";
  // the mesh-info reply's names beyond the protocol's
  private static final String USERS = "users";
  private static final String SESSIONS = "sessions";
  private static final String SESSIONS_HERE = "sessionsHere";
  private static final String SESSIONS_DETACHED = "sessionsDetached";
  private static final String BACKLOG_ENTRIES = "backlogEntries";
  private static final String BACKLOG_BYTES = "backlogBytes";
  private static final String BACKLOG_DROPPED = "backlogDropped";
  private static final String RETAINED_EVENTS = "retainedEvents";
  private static final String PENDING_EVENTS = "pendingEvents";
  private static final String STORE = "store";

  private final PrometheusMeterRegistry registry;
  private volatile StateView state = new StateView(new JsonObject(), false);
  private volatile boolean storeMeters;

  StateMeters(PrometheusMeterRegistry registry) {
    this.registry = registry;
    registerStateMeters();
  }

  /** The state's mesh-info reply ({@code answered} false: it did not answer), read by the state gauges. */
  void update(JsonObject info, boolean answered) {
    state = new StateView(info, answered);
    if (!storeMeters && info.getJsonObject(STORE) != null) {
      storeMeters = true;
      registerStoreMeters();
    }
  }

  private void registerStateMeters() {
    stateGauge("streamer.state.answering", "1 when the state verticle answered the mesh-info request before the scrape",
        s -> s.answered ? 1 : 0);
    stateGauge("streamer.mesh.joined", "1 once this server has joined the mesh",
        s -> s.info.getBoolean(Fields.JOINED, false) ? 1 : 0);
    stateGauge("streamer.load", "connected clients, as announced to the mesh", s -> s.info.getInteger(Fields.LOAD, 0));
    stateGauge("streamer.users", "registered users (mesh-wide)", s -> s.info.getInteger(USERS, 0));
    String sessionsHelp = "open sessions: all (mesh-wide), here (attached to this server), detached";
    Gauge.builder("streamer.sessions", this, m -> m.state.info.getInteger(SESSIONS, 0)).tag("kind", "all")
        .description(sessionsHelp).strongReference(true).register(registry);
    Gauge.builder("streamer.sessions", this, m -> m.state.info.getInteger(SESSIONS_HERE, 0)).tag("kind", "here")
        .description(sessionsHelp).strongReference(true).register(registry);
    Gauge.builder("streamer.sessions", this, m -> m.state.info.getInteger(SESSIONS_DETACHED, 0))
        .tag("kind", "detached").description(sessionsHelp).strongReference(true).register(registry);
    stateGauge("streamer.backlog.entries", "activities kept for sessions that have not received them",
        s -> s.info.getLong(BACKLOG_ENTRIES, 0L));
    Gauge.builder("streamer.backlog", this, m -> m.state.info.getLong(BACKLOG_BYTES, 0L)).baseUnit("bytes")
        .description("bytes of the encoded lines the backlog keeps").strongReference(true).register(registry);
    FunctionCounter.builder("streamer.backlog.dropped", this, m -> m.state.info.getLong(BACKLOG_DROPPED, 0L))
        .description("activities dropped past the backlog bounds while still owed").register(registry);
    stateGauge("streamer.mesh.retained.events", "replicated events retained for peers",
        s -> s.info.getLong(RETAINED_EVENTS, 0L));
    stateGauge("streamer.mesh.pending.events", "replicated events waiting for their predecessors",
        s -> s.info.getLong(PENDING_EVENTS, 0L));
    for (int i = 0; i < STATUSES.length; i++) {
      int status = i;
      Gauge.builder("streamer.mesh.members", this, m -> m.state.membersByStatus[status])
          .tag("status", STATUSES[i].toLowerCase(Locale.ROOT))
          .description("members known to this server (itself included), by status").strongReference(true)
          .register(registry);
    }
    String linksHelp = "links to live members: up, or down (being retried)";
    Gauge.builder("streamer.mesh.links", this, m -> m.state.linksUp).tag("state", "up").description(linksHelp)
        .strongReference(true).register(registry);
    Gauge.builder("streamer.mesh.links", this, m -> m.state.linksDown).tag("state", "down").description(linksHelp)
        .strongReference(true).register(registry);
  }

  private void stateGauge(String name, String help, ToDoubleFunction<StateView> value) {
    Gauge.builder(name, this, m -> value.applyAsDouble(m.state)).description(help).strongReference(true)
        .register(registry);
  }

  /** The data directory's store (docs/durability.md): registered with its first report, so a server in memory only has none. */
  private void registerStoreMeters() {
    Gauge.builder("streamer.store", this, m -> store(m.state).getLong(StoreStats.BYTES, 0L)).baseUnit("bytes")
        .description("bytes on disk of the store (database and WAL)").strongReference(true).register(registry);
    stateGauge("streamer.store.journal.events", "events journaled since the last snapshot (replayed at a restart)",
        s -> store(s).getLong(StoreStats.JOURNAL_ROWS, 0L));
    FunctionTimer.builder("streamer.store.commit", this, m -> store(m.state).getLong(StoreStats.COMMITS, 0L),
            m -> store(m.state).getDouble(StoreStats.COMMIT_SECONDS_TOTAL, 0.0), TimeUnit.SECONDS)
        .description("store commits (one per batch of events) and their total duration").register(registry);
    Gauge.builder("streamer.store.commit.max", this,
            m -> store(m.state).getDouble(StoreStats.COMMIT_MILLIS_MAX, 0.0) / 1000)
        .baseUnit("seconds").description("longest store commit since start").strongReference(true).register(registry);
    stateGauge("streamer.store.failing", "1 while store commits fail (replies and deliveries wait)",
        s -> store(s).getBoolean(StoreStats.FAILING, false) ? 1 : 0);
  }

  private static JsonObject store(StateView s) {
    JsonObject store = s.info.getJsonObject(STORE);
    return store == null ? new JsonObject() : store;
  }

  /** One mesh-info reply with the member and link counts the gauges show. */
  private static final class StateView {
    final JsonObject info;
    final boolean answered;
    final int[] membersByStatus = new int[STATUSES.length];
    int linksUp;
    int linksDown;

    StateView(JsonObject info, boolean answered) {
      this.info = info;
      this.answered = answered;
      JsonArray members = info.getJsonArray(Fields.MEMBERS, new JsonArray());
      for (int i = 0; i < members.size(); i++) {
        JsonObject m = members.getJsonObject(i);
        String status = m.getString(Fields.STATUS, "");
        for (int s = 0; s < STATUSES.length; s++) {
          if (STATUSES[s].equals(status)) {
            membersByStatus[s]++;
          }
        }
        if (m.getBoolean(Fields.SELF, false) || DEAD.equals(status)) {
          continue;
        }
        if (m.getBoolean(Fields.LINKED, false)) {
          linksUp++;
        } else {
          linksDown++;
        }
      }
    }
  }
}
