
Bx_scaleJ#