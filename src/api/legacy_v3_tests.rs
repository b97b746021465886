use super::*;

#[test]
fn seed_001_body() {
    let mut u = V3UserUpdate::new();
    u.set("username", "kat")
        .set("group_id", "12")
        .set("openid_name", "kat.j")
        .set("directory-id", "3")
        .set("invalid_login_attempts", "0")
        .roles(&[1, 2])
        .custom_attribute("AWS_Role", "Admin")
        .set("custom_attributes.skype", "k.j");
    assert_eq!(
        u.to_xml().unwrap(),
        "<user><username>kat</username><group-id>12</group-id><openid-name>kat.j</openid-name><directory-id>3</directory-id><invalid-login-attempts>0</invalid-login-attempts><roles type='array'><role>1</role><role>2</role></roles><custom_attribute_AWS_Role>Admin</custom_attribute_AWS_Role><custom_attribute_skype>k.j</custom_attribute_skype></user>"
    );
}

#[test]
fn every_seed_element_is_accepted() {
    let mut u = V3UserUpdate::new();
    for e in V3_ELEMENTS {
        u.set(&e.replace('-', "_"), "v");
    }
    let xml = u.to_xml().unwrap();
    for e in V3_ELEMENTS {
        assert!(xml.contains(&format!("<{e}>v</{e}>")), "{e}");
    }
}

#[test]
fn values_are_escaped() {
    let u = V3UserUpdate::new()
        .with("company", r#"Smith & Sons <"Ltd"> O'Neil"#)
        .with("custom_attribute_note", "a<b");
    let xml = u.to_xml().unwrap();
    assert!(
        xml.contains("<company>Smith &amp; Sons &lt;&quot;Ltd&quot;&gt; O&apos;Neil</company>"),
        "{xml}"
    );
    assert!(xml.contains("<custom_attribute_note>a&lt;b</custom_attribute_note>"));
    // And it reads back to the same values.
    let back = parse_v3_user(&xml).unwrap();
    assert_eq!(
        back.field("company"),
        Some(r#"Smith & Sons <"Ltd"> O'Neil"#)
    );
    assert_eq!(back.custom_attributes["note"].as_deref(), Some("a<b"));
}

#[test]
fn bad_names_and_values_are_refused() {
    let e = V3UserUpdate::new().with("notes", "x").to_xml().unwrap_err();
    assert!(
        e.contains("`notes` is not a field") && e.contains("group-id"),
        "{e}"
    );
    let mut u = V3UserUpdate::new();
    u.custom_attribute("bad name", "x");
    assert!(u.to_xml().unwrap_err().contains("XML element name"));
    let mut u = V3UserUpdate::new();
    u.custom_attribute("a:b", "x");
    assert!(u.to_xml().is_err());
    let mut u = V3UserUpdate::new();
    u.custom_attribute("", "x");
    assert!(u.to_xml().is_err());
    assert!(
        V3UserUpdate::new()
            .with("title", "a\u{0}b")
            .to_xml()
            .is_err()
    );
    assert!(V3UserUpdate::new().to_xml().is_err());
    // Replacing keeps one element.
    let xml = V3UserUpdate::new()
        .with("group_id", "1")
        .with("group-id", "2")
        .to_xml()
        .unwrap();
    assert_eq!(xml, "<user><group-id>2</group-id></user>");
}

#[test]
fn parse_user_document() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<user>
  <id type="integer">42</id>
  <email>kat@example.com</email>
  <firstname>Kat &amp; Co</firstname>
  <group-id type="integer" nil="true"/>
  <phone nil="true"></phone>
  <title></title>
  <member-of/>
  <roles type="array">
    <role>1</role>
    <role> 2 </role>
  </roles>
  <custom_attribute_AWS_Role>Admin</custom_attribute_AWS_Role>
  <custom_attribute_skype nil="true"/>
  <notes><![CDATA[a & b]]></notes>
</user>"#;
    let u = parse_v3_user(xml).unwrap();
    assert_eq!(u.id(), Some(42));
    assert_eq!(u.field("firstname"), Some("Kat & Co"));
    assert_eq!(u.fields["group-id"], None);
    assert_eq!(u.field("group_id"), None);
    assert_eq!(u.fields["phone"], None);
    assert_eq!(u.fields["title"].as_deref(), Some(""));
    assert_eq!(u.fields["member-of"].as_deref(), Some(""));
    assert_eq!(u.fields["notes"].as_deref(), Some("a & b"));
    assert_eq!(u.roles, [1, 2]);
    assert_eq!(u.custom_attributes["AWS_Role"].as_deref(), Some("Admin"));
    assert_eq!(u.custom_attributes["skype"], None);
}

#[test]
fn parse_user_variants_and_errors() {
    let u = parse_v3_user(
        "<user><custom-attributes><custom_attribute_a>1</custom_attribute_a><b nil=\"true\"/></custom-attributes><roles/></user>",
    )
    .unwrap();
    assert_eq!(u.custom_attributes["a"].as_deref(), Some("1"));
    assert_eq!(u.custom_attributes["b"], None);
    assert!(u.roles.is_empty());
    assert!(parse_v3_user("<html>no</html>").is_err());
    assert!(parse_v3_user("<user><email>x</email>").is_err());
    assert!(parse_v3_user("<user><roles><role>x</role></roles></user>").is_err());
}
