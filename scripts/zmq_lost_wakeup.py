"""The lost wake-up behind issue 18, without a kernel or a notebook (a few seconds).

    .venv/bin/python scripts/zmq_lost_wakeup.py

nbclient waits for a cell's execute_reply with ``await shell.poll(timeout)`` on a
zmq.asyncio DEALER socket. While it waits, its front-end mimic of an ipywidgets Output
widget (engaged by ``interact``'s ``with out:`` capture) sends a comm_msg on that same
socket through ``jupyter_client.Session.send``, which sends an asyncio socket's messages
through a blocking ``zmq.Socket.shadow``: raw libzmq, unseen by pyzmq's asyncio layer.
A raw send processes the socket's pending commands, so if the reply has just arrived,
its wake-up signal on the socket's file descriptor is consumed, and pyzmq never re-reads
ZMQ_EVENTS: the poll sleeps until its timeout although the reply is there. nbclient's
poll timeout is the cell timeout (300 s in this book; none by default: a hang).

This script replays that moment: the reply arrives, then the client sends. Sent the way
Session.send does it, the poll returns only at its 2 s timeout; sent through the asyncio
socket itself, at once. Reported upstream: jupyter/nbclient#312 (PR #311) and
jupyter/jupyter_client PR #1059 (Session.send's shadow), both open. The book avoids the
trigger instead: plotting.live_figure captures nothing, so nbclient never sends during a
cell.
"""

import asyncio
import time

import zmq
import zmq.asyncio
from jupyter_client.session import Session

TIMEOUT_MS = 2000


async def trial(raw_send):
    router = zmq.Context.instance().socket(zmq.ROUTER)  # the kernel's shell socket
    port = router.bind_to_random_port("tcp://127.0.0.1")
    dealer = zmq.asyncio.Context.instance().socket(zmq.DEALER)  # nbclient's shell channel
    dealer.connect(f"tcp://127.0.0.1:{port}")
    session = Session(key=b"")
    session.send(dealer, "execute_request", {})
    ident = router.recv_multipart()[0]
    t0 = time.monotonic()
    poll = asyncio.ensure_future(dealer.poll(TIMEOUT_MS))  # waiting for execute_reply
    await asyncio.sleep(0.05)
    router.send_multipart([ident, b"execute_reply"])  # the kernel replies ...
    time.sleep(0.05)  # ... and the reply is in the client's socket
    if raw_send:
        session.send(dealer, "comm_msg", {})  # nbclient's OutputWidget.sync_state
    else:
        await dealer.send_multipart([b"comm_msg"])
    events = await poll
    waited = time.monotonic() - t0
    dealer.close(0)
    router.close(0)
    return waited, bool(events & zmq.POLLIN)


async def main():
    for raw_send, how in [(True, "Session.send (blocking shadow)"),
                          (False, "zmq.asyncio send")]:
        for _ in range(2):
            waited, ready = await trial(raw_send)
            print(f"send via {how:31s}: reply seen after {waited:4.2f} s "
                  f"(reply waiting in the socket: {ready})")


if __name__ == "__main__":
    asyncio.run(main())
