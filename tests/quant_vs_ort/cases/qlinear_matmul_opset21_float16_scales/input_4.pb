
Bb_scaleJ@/