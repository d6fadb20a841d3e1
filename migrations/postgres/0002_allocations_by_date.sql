-- Point-in-time open amounts start from the maintained balance and add back what was
-- allocated after as_of; this index finds that tail without scanning every allocation.
CREATE INDEX allocations_date ON allocations(allocated_on);
