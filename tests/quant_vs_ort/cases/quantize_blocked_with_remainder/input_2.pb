By_zero_pointJσσϊροόσ
ύύÿ