package io.activitystreamer.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Vert.x that reports to a Prometheus registry of its own: Vert.x's meters (net and HTTP servers,
 * pools; not the event bus, see below), the JVM's (memory, GC, threads, processor, class loading; bound by
 * vertx-micrometer-metrics) and the product's ({@link GatewayMetrics}). One registry per Vert.x, so
 * several servers in one JVM (tests) do not mix their meters.
 *
 * <p>The network transport is the one {@link VertxOptions#getPreferNativeTransport()} asks for: Netty's
 * native epoll where it loads (the jar carries the Linux x86-64 file), else NIO; {@link #transport} names
 * the one in use, and the gauge {@code streamer_transport_info{transport="..."}} shows it on /metrics.
 */
public final class MeteredVertx {
  private static final AtomicLong REGISTRIES = new AtomicLong();

  private MeteredVertx() {}

  public static Vertx create(VertxOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // vertx-micrometer-metrics keeps its backends in a static map by name: a name per Vert.x keeps
    // each one on its own registry (the entry goes when that Vert.x closes)
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setRegistryName("streamer-" + REGISTRIES.incrementAndGet())
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        // Event-bus meters re-register a gauge on every message received (vertx-micrometer-metrics issue
        // 259), which Micrometer checks for double registration each time: about 7 % of the server's CPU
        // on the activity path (JFR, workload A). The activity path is event-bus messages, so they are off.
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    Vertx vertx = Vertx.builder().with(new VertxOptions(options).setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry)).build();
    GatewayMetrics.install(vertx, registry);
    Gauge.builder("streamer.transport.info", () -> 1).tag("transport", transport(vertx))
        .description("the network transport this server runs on (epoll: native; nio: Java NIO)").register(registry);
    return vertx;
  }

  /** With the native transport where it loads, as a server with the default config runs. */
  public static Vertx create() {
    return create(new VertxOptions().setPreferNativeTransport(true));
  }

  /**
   * The transport {@code vertx} runs on: {@code epoll} (or another native one Vert.x picked for this OS,
   * by the rule of {@link Transport#nativeTransport()}) or {@code nio}.
   */
  public static String transport(Vertx vertx) {
    Transport nativeOne = Transport.nativeTransport();
    return vertx.isNativeTransportEnabled() && nativeOne != null ? nativeOne.name() : Transport.NIO.name();
  }
}
