package dev.isoplast.envs.remote;

import dev.isoplast.env.v1.StepRequest;
import dev.isoplast.env.v1.StepResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code StepStream} call: each request gets exactly one response, in order. A
 * stream message costs much less than a unary call against a Python server, so stepping goes
 * this way. After an error the stream is over; {@link RemoteVectorEnv} opens a new one.
 */
final class StepStream {

  private final LinkedBlockingQueue<Object> responses = new LinkedBlockingQueue<>();
  private final ClientCallStreamObserver<StepRequest> requests;
  private boolean finished;

  StepStream(EnvServerClient client) {
    Observer observer = new Observer();
    client.asyncStub().stepStream(observer);
    this.requests = observer.requestStream;
  }

  /** Sends one request and waits for its response; a failure is thrown as StatusRuntimeException. */
  StepResponse exchange(StepRequest request, long timeoutMillis) {
    send(request);
    return receive(timeoutMillis);
  }

  /** Sends one request (its response comes, in order, from {@link #receive}). */
  void send(StepRequest request) {
    if (finished) {
      throw Status.UNAVAILABLE.withDescription("step stream already ended").asRuntimeException();
    }
    requests.onNext(request);
  }

  /** Waits for the next response; a failure is thrown as StatusRuntimeException. */
  StepResponse receive(long timeoutMillis) {
    if (finished && responses.isEmpty()) {
      throw Status.UNAVAILABLE.withDescription("step stream already ended").asRuntimeException();
    }
    Object r;
    try {
      r = responses.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel("interrupted");
      throw Status.CANCELLED.withDescription("interrupted while waiting for a step").asRuntimeException();
    }
    if (r == null) {
      cancel("no response in time");
      throw Status.DEADLINE_EXCEEDED.withDescription("no step response within " + timeoutMillis + " ms")
          .asRuntimeException();
    }
    if (r instanceof StepResponse s) {
      return s;
    }
    finished = true;
    throw r instanceof StatusRuntimeException sre ? sre : Status.fromThrowable((Throwable) r).asRuntimeException();
  }

  boolean isFinished() {
    return finished;
  }

  /** Ends the stream normally (half-close). */
  void finish() {
    if (!finished) {
      finished = true;
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // already cancelled or failed: nothing to close
      }
    }
  }

  private void cancel(String why) {
    finished = true;
    requests.cancel(why, null);
  }

  private final class Observer implements ClientResponseObserver<StepRequest, StepResponse> {
    ClientCallStreamObserver<StepRequest> requestStream;

    @Override
    public void beforeStart(ClientCallStreamObserver<StepRequest> requestStream) {
      this.requestStream = requestStream;
    }

    @Override
    public void onNext(StepResponse value) {
      responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
      responses.add(t);
    }

    @Override
    public void onCompleted() {
      responses.add(Status.UNAVAILABLE.withDescription("the server ended the step stream").asRuntimeException());
    }
  }
}
