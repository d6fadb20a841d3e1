-- An order the credit check sent to approval (`needs_approval`) is released by the
-- final approval of its order application. The order row itself is posted and never
-- edited: the release is a new row, and from it on the order counts toward exposure
-- exactly as an order approved at once does (until invoiced or cancelled).
CREATE TABLE order_releases (
    order_id       INTEGER PRIMARY KEY REFERENCES orders(id),
    application_id INTEGER NOT NULL UNIQUE REFERENCES applications(id),
    released_at    TEXT NOT NULL
) STRICT;
