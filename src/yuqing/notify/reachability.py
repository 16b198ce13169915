"""Test notifications that prove a person can be reached (M12).

``send_test`` sends one short test message on *each* of a person's addresses, without
fallback (the point is to learn which channels work), and returns one result per
address. A ``sent`` result proves the channel accepted it; the person opening the ack
link proves they actually got it, so keep the messages (``keep``) where the ack
endpoint can find their tokens.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from yuqing.notify.dispatcher import Dispatcher, DispatchStatus
from yuqing.notify.message import Address, DeliveryResult, Message, failed, new_message

TEST_SUBJECT = "通知测试 / Test notification"
TEST_BODY = (
    "这是一条测试通知，用于确认您能通过「{channel}」及时收到舆情预警。请点击下方链接确认收到。\n\n"
    "This is a test notification to confirm that yuqing alerts reach you through "
    "\u201c{channel}\u201d. Please open the link below to acknowledge it."
)


def send_test(
    person_addresses: Sequence[Address],
    dispatcher: Dispatcher,
    *,
    recipient: str,
    ack_base_url: str | None = None,
    keep: Callable[[Message], None] | None = None,
) -> list[DeliveryResult]:
    """Send a test message on every address of ``recipient``; one result per address."""
    results: list[DeliveryResult] = []
    for address in person_addresses:
        message = new_message(
            recipient=recipient,
            subject=TEST_SUBJECT,
            body=TEST_BODY.format(channel=address.display()),
            clock=dispatcher.clock,
            dedup_key=f"test:{recipient}:{address.kind}:{uuid.uuid4().hex}",
            ack_base_url=ack_base_url,
        )
        if keep is not None:
            keep(message)
        outcome = dispatcher.deliver(message, [address])
        last = outcome.last
        if last is None or outcome.status is DispatchStatus.DUPLICATE:
            last = failed(address, dispatcher.clock.now(), outcome.detail, retryable=False)
        results.append(last)
    return results
