use super::*;

#[test]
fn verbs_parse_as_the_cli_names_them() {
    assert_eq!(parse("lock"), Ok(Order::Act(Change::Lock { minutes: 0 })));
    assert_eq!(
        parse(":lock 30"),
        Ok(Order::Act(Change::Lock { minutes: 30 }))
    );
    assert_eq!(
        parse("set-state rejected"),
        Ok(Order::Act(Change::SetState { state: 2 }))
    );
    assert_eq!(
        parse("search department:Sales title:*Engineer*"),
        Ok(Order::Search("department:Sales title:*Engineer*".into()))
    );
    assert_eq!(parse("log"), Ok(Order::Screen(Screen::RequestLog)));
    assert_eq!(parse("quit"), Ok(Order::Quit));
}

#[test]
fn errors_say_what_is_wrong_and_what_would_do() {
    assert!(parse("lock soon").unwrap_err().contains("minutes"));
    assert!(parse("set-state").unwrap_err().contains("approved"));
    assert!(parse("unlock now").unwrap_err().contains("takes nothing"));
    let e = parse("profiel test").unwrap_err();
    assert!(
        e.contains("no verb `profiel`") && e.contains("profile"),
        "{e}"
    );
    assert_eq!(parse("profile test"), Ok(Order::Profile("test".into())));
    assert!(parse("profile").unwrap_err().contains("needs a name"));
}

#[test]
fn tab_completes_verbs_and_their_arguments() {
    assert_eq!(complete("un", &[]).line, "unlock ");
    let c = complete("l", &[]);
    assert_eq!(c.line, "lo");
    assert_eq!(c.options, vec!["lock", "logout", "log"]);
    assert_eq!(complete("set-state rej", &[]).line, "set-state rejected");
    let c = complete("search email:kat* dep", &[]);
    assert_eq!(c.line, "search email:kat* department:");
    assert!(complete("zz", &[]).options.is_empty());
    let profiles = ["prod".to_string(), "sandbox".into(), "stage".into()];
    let c = complete("profile s", &profiles);
    assert_eq!(c.line, "profile s");
    assert_eq!(c.options, vec!["sandbox", "stage"]);
    assert_eq!(complete("profile p", &profiles).line, "profile prod");
}

#[test]
fn history_walks_back_and_forth() {
    let mut p = Palette::default();
    p.ran("lock 5");
    p.ran("log");
    p.ran("log");
    assert_eq!(p.older(), Some("log"));
    assert_eq!(p.older(), Some("lock 5"));
    assert_eq!(p.older(), None, "the oldest");
    assert_eq!(p.newer(), "log");
    assert_eq!(p.newer(), "");
}
