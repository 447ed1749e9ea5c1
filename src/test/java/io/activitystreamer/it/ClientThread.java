package io.activitystreamer.it;

/**
 * A test client that lives on a thread of its own (BalanceTest's clients, FaultRun's actors): the
 * thread runs {@link #loop} while {@link #running}; {@link #stop} closes the current connection and
 * waits for the thread to end.
 */
abstract class ClientThread {
  volatile boolean running = true;
  /** The connection in use, closed by {@link #stop} to wake the loop. */
  volatile StreamClient conn;
  private final Thread thread;

  ClientThread(String threadName) {
    this.thread = new Thread(this::loop, threadName);
    this.thread.setDaemon(true);
  }

  abstract void loop();

  void start() {
    thread.start();
  }

  void stop() {
    running = false;
    StreamClient c = conn;
    if (c != null) {
      c.close();
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps; an interrupt ends the sleep early (and is kept). */
  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
