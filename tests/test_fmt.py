from shared import fmt


def test_decimal_comma_and_thousands_dot():
    assert fmt.num(0.7412, 2) == "0,74"
    assert fmt.num(1234.56, 1) == "1.234,6"
    assert fmt.num(-3.0, 0) == "-3"
    assert fmt.num(float("nan")) == "—"


def test_percent_and_interval():
    assert fmt.pct(0.368) == "36,8%"
    assert fmt.pct(1.0, 0) == "100%"
    assert fmt.interval(0.1, 0.25, 2) == "[0,10–0,25]"
    assert fmt.interval(0.1, 0.25, 1, percent=True) == "[10,0–25,0]"
    assert fmt.interval(-0.07, 0.01, 2) == "[-0,07; 0,01]"  # o traço não se confunde com o sinal
