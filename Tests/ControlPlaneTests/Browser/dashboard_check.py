"""Drives the control plane dashboard in real headless Chromium (Debian's chromium and
chromium-driver, selenium from PyPI) and prints one JSON line with what it saw.

    python dashboard_check.py URL READ_TOKEN NODE OUT_DIR CEILING_SECONDS [PEERS_NODE]

Checks: the page loads with no console error, the node's frame counter changes between two
looks, PEERS_NODE's card lists its connected peers, the live preview image changes between two
screenshots. Keeps dashboard.png and the two
preview shots in OUT_DIR.
"""
import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, token, node, out_dir, ceiling = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
peers_node = sys.argv[6] if len(sys.argv) > 6 else None
result = {"ok": False}
options = Options()
options.binary_location = "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1400",
            "--no-first-run", "--disable-extensions", "--disable-background-networking"):
    options.add_argument(arg)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    wait = WebDriverWait(driver, ceiling, poll_frequency=0.1)
    driver.get(url + "?token=" + token)
    result["address_after_login"] = driver.current_url
    card = wait.until(lambda d: d.find_element(By.ID, "node-" + node))
    frames = card.find_element(By.CSS_SELECTOR, ".fig-frames")
    wait.until(lambda d: frames.text not in ("", "–"))
    first = frames.text
    wait.until(lambda d: frames.text != first)
    result["frames"] = [first, frames.text]
    if peers_node:
        pcard = wait.until(lambda d: d.find_element(By.ID, "node-" + peers_node))
        wait.until(lambda d: pcard.find_elements(By.CSS_SELECTOR, ".peers li"))
        result["peers"] = [li.text for li in pcard.find_elements(By.CSS_SELECTOR, ".peers li")]
    # The graph picture arrives (an inline SVG drawn by Graphviz).
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#svg svg"))
    # Click the node: its live preview shows and moves.
    card.click()
    img = wait.until(lambda d: d.find_element(By.ID, "preview-img"))
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img))
    shot1 = img.screenshot_as_png
    deadline = time.time() + ceiling
    shot2 = img.screenshot_as_png
    while shot2 == shot1 and time.time() < deadline:
        time.sleep(0.05)
        shot2 = img.screenshot_as_png
    result["preview_changed"] = shot1 != shot2
    with open(out_dir + "/preview-1.png", "wb") as f:
        f.write(shot1)
    with open(out_dir + "/preview-2.png", "wb") as f:
        f.write(shot2)
    result["preview_width"] = driver.execute_script("return arguments[0].naturalWidth", img)
    driver.save_screenshot(out_dir + "/dashboard.png")
    logs = driver.get_log("browser")
    result["console_errors"] = [e["message"] for e in logs if e.get("level") == "SEVERE"]
    result["console"] = [e["message"] for e in logs]
    result["ok"] = True
except Exception as e:  # report what failed as data; the Swift test asserts
    result["error"] = "%s: %s" % (type(e).__name__, e)
    try:
        driver.save_screenshot(out_dir + "/dashboard-failed.png")
        result["console"] = [e["message"] for e in driver.get_log("browser")]
    except Exception:
        pass
finally:
    driver.quit()
print(json.dumps(result))
