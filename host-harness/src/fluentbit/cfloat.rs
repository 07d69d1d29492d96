//! C `printf` float formatting as Fluent Bit uses it for msgpack floats (`msgpack2json` in
//! `src/flb_pack.c`): integral values print with `"%.1f"`, everything else with `"%.16g"`.
//!
//! Rust has no `%g`, so this reproduces glibc's rules: round to 16 significant digits, choose
//! fixed or exponential notation from the decimal exponent, strip trailing zeros, and print the
//! exponent with a sign and at least two digits. NaN and infinities print as glibc does
//! (`nan`, `-nan`, `inf`, `-inf`): Fluent Bit writes them into its JSON unquoted.

/// The text `msgpack2json` produces for a float (float32 values are widened to f64 first,
/// as msgpack-c does).
pub fn format_fluent_bit_float(value: f64) -> String {
    if is_integral_in_long_long(value) {
        format!("{value:.1}")
    } else {
        format_percent_g(value, 16)
    }
}

/// `value == (double)(long long)value` as compiled for x86_64: the cast of a value outside the
/// `long long` range (or NaN/inf) yields `INT64_MIN`, so only `-2^63` itself compares equal.
fn is_integral_in_long_long(value: f64) -> bool {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    value.is_finite() && (-TWO_POW_63..TWO_POW_63).contains(&value) && value.trunc() == value
}

/// glibc `printf("%.{precision}g", value)`.
pub fn format_percent_g(value: f64, precision: usize) -> String {
    if value.is_nan() {
        return if value.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if value.is_infinite() {
        return if value < 0.0 {
            "-inf".into()
        } else {
            "inf".into()
        };
    }
    let precision = precision.max(1);
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Exponential form rounded to `precision` significant digits gives the exponent X.
    let exp_form = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = exp_form.split_once('e').unwrap_or((&exp_form, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent >= -4 && exponent < precision as i32 {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        strip_trailing_zeros(&format!("{value:.decimals$}"))
    } else {
        let mantissa = strip_trailing_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

fn strip_trailing_zeros(text: &str) -> String {
    if !text.contains('.') {
        return text.to_string();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_values_use_one_decimal() {
        assert_eq!(format_fluent_bit_float(1.0), "1.0");
        assert_eq!(format_fluent_bit_float(-0.0), "-0.0");
        assert_eq!(format_fluent_bit_float(1e15), "1000000000000000.0");
        assert_eq!(
            format_fluent_bit_float(-9_223_372_036_854_775_808.0),
            "-9223372036854775808.0"
        );
    }

    #[test]
    fn out_of_range_integral_values_use_percent_g() {
        assert_eq!(format_fluent_bit_float(1e20), "1e+20");
        assert_eq!(
            format_fluent_bit_float(9_223_372_036_854_775_808.0),
            "9.223372036854776e+18"
        );
    }

    #[test]
    fn fractions_use_sixteen_significant_digits() {
        assert_eq!(format_fluent_bit_float(0.1), "0.1");
        assert_eq!(format_fluent_bit_float(1.5), "1.5");
        assert_eq!(format_fluent_bit_float(0.1 + 0.2), "0.3");
        assert_eq!(format_fluent_bit_float(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(format_fluent_bit_float(1e-5), "1e-05");
        assert_eq!(format_fluent_bit_float(0.0001), "0.0001");
        assert_eq!(format_fluent_bit_float(123456.789), "123456.789");
        assert_eq!(format_fluent_bit_float(-2.5e-300), "-2.5e-300");
        assert_eq!(
            format_fluent_bit_float(f64::from(1.1f32)),
            "1.100000023841858"
        );
    }

    #[test]
    fn non_finite_values_print_like_glibc() {
        assert_eq!(format_fluent_bit_float(f64::NAN), "nan");
        assert_eq!(format_fluent_bit_float(-f64::NAN), "-nan");
        assert_eq!(format_fluent_bit_float(f64::INFINITY), "inf");
        assert_eq!(format_fluent_bit_float(f64::NEG_INFINITY), "-inf");
    }
}
