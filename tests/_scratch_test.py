from streamlit.testing.v1 import AppTest

def test_x(store, app_env):
    cid = store.create_couple("A & B", ["Ann", "Bob"])
    store.close()
    at = AppTest.from_file("../app.py", default_timeout=30)
    at.run()
    at.switch_page("pages/checkin.py").run()
    at.radio(key="checkin_partner").set_value(1).run()
    at.button[0].click().run()
    at.button(key="next_0").click().run()
    print(at.exception)
    at.radio(key="a:1:micro_hurts:unheard_often").set_value(2).run()
    print([ (r.label[:30], r.key, r.value) for r in at.radio])
    for k in ("button_group", "pills", "multiselect"):
        try: print(k, at.get(k))
        except Exception as e: print(k, e)
    bg = at.get("button_group")[0]
    print(type(bg), dir(bg))
    print(bg.proto)
