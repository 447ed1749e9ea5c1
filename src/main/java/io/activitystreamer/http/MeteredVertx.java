package io.activitystreamer.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
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
    Vertx vertx = Vertx.builder().with(new VertxOptions(options).setMetricsOptions(metrics).setPreferNativeTransport(true))
        .withMetrics(new MicrometerMetricsFactory(registry)).build();
    GatewayMetrics.install(vertx, registry);
    return vertx;
  }

  public static Vertx create() {
    return create(new VertxOptions());
  }
}
