package dev.xdpdump.pipeline;

import com.lmax.disruptor.ExceptionHandler;
import dev.xdpdump.event.CaptureEvent;

/**
 * What a sink thread does with an exception besides a sink's IOException (which {@link SinkHandler} handles): stop
 * the capture and report it once, instead of the Disruptor's default of printing a stack trace and killing the
 * thread. The Disruptor hands over an interrupt of its wait here too.
 */
final class SinkExceptions implements ExceptionHandler<CaptureEvent> {
    private final StopSignal stop;

    SinkExceptions(StopSignal stop) {
        this.stop = stop;
    }

    @Override
    public void handleEventException(Throwable e, long sequence, CaptureEvent event) {
        if (e instanceof InterruptedException) {
            // Only a give-up interrupts a sink thread (SinkHandler.giveUp); caught waiting for events, not writing,
            // it has nothing to abort, and the throw already cleared the interrupt.
            return;
        }
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
