package dev.xdpdump.pipeline;

import com.lmax.disruptor.ExceptionHandler;
import dev.xdpdump.event.CaptureEvent;

/**
 * What the sink thread does with an exception a sink threw besides an IOException (which {@link SinkHandler}
 * handles): stop the capture and report it once, instead of the Disruptor's default of printing a stack trace and
 * killing the thread.
 */
final class SinkExceptions implements ExceptionHandler<CaptureEvent> {
    private final StopSignal stop;

    SinkExceptions(StopSignal stop) {
        this.stop = stop;
    }

    @Override
    public void handleEventException(Throwable e, long sequence, CaptureEvent event) {
        stop.request(StopSignal.Reason.OUTPUT_FAILED, e);
    }

    @Override
    public void handleOnStartException(Throwable e) {
        stop.request(StopSignal.Reason.OUTPUT_FAILED, e);
    }

    @Override
    public void handleOnShutdownException(Throwable e) {
        stop.request(StopSignal.Reason.OUTPUT_FAILED, e);
    }
}
