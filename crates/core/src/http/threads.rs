//! Threads that keep PHP's signals: two calls at once, and the signal mask every thread started here gets.

use std::marker::PhantomData;

/// Runs `a` on a new thread and `b` on this one, and returns both results. The new thread blocks every
/// signal (PHP's `max_execution_time` relies on `SIGPROF` reaching the request thread), touches no PHP value
/// and is joined before this returns. A panic on either side reaches the caller.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB,
    RA: Send,
{
    std::thread::scope(|scope| {
        let handle = {
            let _blocked = SignalsBlocked::new();
            scope.spawn(a)
        };
        let rb = b();
        match handle.join() {
            Ok(ra) => (ra, rb),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Blocks every signal on this thread until dropped; threads started meanwhile inherit the mask.
pub(super) struct SignalsBlocked(libc::sigset_t, PhantomData<*const ()>);

impl SignalsBlocked {
    pub(super) fn new() -> SignalsBlocked {
        // SAFETY: sigfillset and pthread_sigmask only write to the sigset_t values owned here.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut previous: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut previous);
            SignalsBlocked(previous, PhantomData)
        }
    }
}

impl Drop for SignalsBlocked {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `new`, on the same thread (the guard is not Send).
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.0, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn join_runs_both_sides_concurrently_with_signals_blocked() {
        let started = Instant::now();
        let (a, b) = join(
            || {
                std::thread::sleep(Duration::from_millis(200));
                // SAFETY: reads this thread's signal mask into a local.
                let blocked = unsafe {
                    let mut mask: libc::sigset_t = std::mem::zeroed();
                    libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
                    libc::sigismember(&mask, libc::SIGPROF) == 1
                };
                (1, blocked)
            },
            || {
                std::thread::sleep(Duration::from_millis(200));
                2
            },
        );
        assert_eq!((a, b), ((1, true), 2));
        assert!(started.elapsed() < Duration::from_millis(380), "{:?}", started.elapsed());
        // SAFETY: as above, for the calling thread.
        let caller_blocked = unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
            libc::sigismember(&mask, libc::SIGPROF) == 1
        };
        assert!(!caller_blocked, "the caller's mask is restored");
    }
}
