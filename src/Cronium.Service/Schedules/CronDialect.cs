namespace Cronium.Service.Schedules;

/// <summary>
/// Standard cron (minute hour day-of-month month day-of-week; 6 fields put seconds first) in Quartz's dialect:
/// seconds first, one of the two day fields <c>?</c>, and days of the week counted from Sunday = 1 instead of 0.
/// Both day fields restricted at once means "either" in standard cron and has no Quartz form: refused.
/// </summary>
internal static class CronDialect
{
    public static string ToQuartz(string cron)
    {
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
            throw new FormatException($"it has {fields.Length} fields; write 5 (minute hour day month weekday) or 6 (seconds first)");
        if (fields.Length == 5) fields = ["0", .. fields];
        var (dayOfMonth, dayOfWeek) = (fields[3], fields[5]);
        var monthDays = dayOfMonth != "*" && dayOfMonth != "?";
        var weekDays = dayOfWeek != "*" && dayOfWeek != "?";
        if (monthDays && weekDays)
            throw new FormatException("both the day of the month and the day of the week are restricted; restrict one and leave the other *");
        fields[3] = weekDays ? "?" : dayOfMonth == "?" ? "*" : dayOfMonth;
        fields[5] = weekDays ? ShiftWeekdays(dayOfWeek) : "?";
        return string.Join(' ', fields);
    }

    /// <summary>0-7 (0 and 7 Sunday) to Quartz's 1-7 (1 Sunday); names (MON, SUN) and steps stay as they are.</summary>
    private static string ShiftWeekdays(string field) =>
        string.Join(',', field.Split(',').Select(part =>
        {
            var step = part.IndexOf('/');
            var range = step < 0 ? part : part[..step];
            var rest = step < 0 ? "" : part[step..];
            var ends = range.Split('-');
            // A range up to Sunday as 7 (1-7, 5-7) would wrap in Quartz's numbering: its Sunday is listed apart.
            if (ends.Length == 2 && ends[1] == "7" && rest.Length == 0 && ends[0] != "0") return $"{Day(ends[0])}-7,1";
            return string.Join('-', ends.Select(Day)) + rest;
        }));

    private static string Day(string value) =>
        int.TryParse(value, out var day)
            ? day is >= 0 and <= 7 ? (day % 7 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : throw new FormatException($"day of the week {day} is not 0-7")
            : value;
}
