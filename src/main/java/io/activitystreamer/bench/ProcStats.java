package io.activitystreamer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and memory of a process from Linux {@code /proc}: {@code /proc/PID/stat} fields 14 and 15
 * (utime, stime, in clock ticks of 1/100 s) and {@code /proc/PID/status} VmRSS and VmHWM. A process that
 * is gone (or no /proc) reads as {@code null}.
 */
record ProcStats(long pid, long cpuTicks, long rssKiB, long peakRssKiB, long atNanos) {
  static final double TICKS_PER_SECOND = 100.0;

  static ProcStats read(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name (field 2) may hold spaces: count fields after its closing parenthesis
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      long rss = 0;
      long hwm = 0;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kib(line);
        }
      }
      return new ProcStats(pid, ticks, rss, hwm, Bench.now());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Busy CPU ticks of the whole machine (all cores; /proc/stat: everything but idle and iowait), or -1. */
  static long machineBusyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The 1-minute load average, or -1. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  /** CPU use between two samples, in percent of one core. */
  static double cpuPercent(ProcStats a, ProcStats b) {
    if (a == null || b == null || b.atNanos <= a.atNanos) {
      return -1;
    }
    return 100.0 * (b.cpuTicks - a.cpuTicks) / TICKS_PER_SECOND / ((b.atNanos - a.atNanos) / 1e9);
  }
}
