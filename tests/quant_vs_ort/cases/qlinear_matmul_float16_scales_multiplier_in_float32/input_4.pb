
Bb_scaleJ¼(