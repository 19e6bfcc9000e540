BaJP(Erö,µ¼›®Cäß™hZ’ä:+qµÃ·P
j–±XF±ÐkÅCcÓ<³4þÂúKyÊôJI›pùVoíA0SsZŒ)QíÂçö¢‰õIÍ©