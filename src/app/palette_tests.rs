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

fn complete(line: &str) -> Completion {
    super::complete(line, &Words::default())
}

#[test]
fn tab_completes_verbs_and_their_arguments() {
    assert_eq!(complete("un").line, "unlock ");
    let c = complete("l");
    assert_eq!(c.line, "lo");
    assert_eq!(c.options, vec!["lock", "logout", "log"]);
    assert_eq!(complete("set-state rej").line, "set-state rejected");
    let c = complete("search email:kat* dep");
    assert_eq!(c.line, "search email:kat* department:");
    assert!(complete("zz").options.is_empty());
    let words = Words {
        profiles: vec!["prod".to_string(), "sandbox".into(), "stage".into()],
        ..Words::default()
    };
    let c = super::complete("profile s", &words);
    assert_eq!(c.line, "profile s");
    assert_eq!(c.options, vec!["sandbox", "stage"]);
    assert_eq!(super::complete("profile p", &words).line, "profile prod");
}

#[test]
fn the_new_verbs_parse_with_their_arguments() {
    assert_eq!(parse("columns"), Ok(Order::Columns(ColumnsOrder::Choose)));
    assert_eq!(
        parse("columns add custom_attributes.cost_center, title:20"),
        Ok(Order::Columns(ColumnsOrder::Add(vec![
            "custom_attributes.cost_center".into(),
            "title:20".into()
        ])))
    );
    assert!(
        parse("columns add")
            .unwrap_err()
            .contains("needs column names")
    );
    assert!(
        parse("columns sideways x")
            .unwrap_err()
            .contains("add, remove, set")
    );
    assert_eq!(parse("view"), Ok(Order::View(ViewOrder::List)));
    assert_eq!(
        parse("view mine"),
        Ok(Order::View(ViewOrder::Load("mine".into())))
    );
    assert_eq!(
        parse("view save mine"),
        Ok(Order::View(ViewOrder::Save("mine".into())))
    );
    assert!(parse("view save").unwrap_err().contains("needs a name"));
    assert_eq!(parse("theme light"), Ok(Order::Theme("light".into())));
    assert_eq!(
        parse("export! ~/out.csv"),
        Ok(Order::Export {
            path: "~/out.csv".into(),
            overwrite: true
        })
    );
    assert!(parse("export").unwrap_err().contains("file name"));
}

#[test]
fn tab_completes_columns_views_and_themes_from_the_state() {
    let words = Words {
        columns: vec![
            "email".into(),
            "custom_attributes.cost_center".into(),
            "custom_attributes.branch".into(),
        ],
        shown: vec!["email".into()],
        views: vec!["mine".into(), "sales".into()],
        themes: vec!["dark".into(), "light".into()],
        ..Words::default()
    };
    let c = super::complete("columns add custom_attributes.c", &words);
    assert_eq!(c.line, "columns add custom_attributes.cost_center");
    let c = super::complete("columns set email,custom_attributes.b", &words);
    assert_eq!(c.line, "columns set email,custom_attributes.branch");
    assert_eq!(
        super::complete("columns remove e", &words).line,
        "columns remove email"
    );
    assert_eq!(super::complete("columns a", &words).line, "columns add ");
    assert_eq!(
        super::complete("view load m", &words).line,
        "view load mine"
    );
    assert_eq!(
        super::complete("view s", &words).options,
        vec!["save", "sales"]
    );
    assert_eq!(super::complete("theme l", &words).line, "theme light");
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
