Bb_zero_pointJEÀ»
ö