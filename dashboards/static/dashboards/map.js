/* The village map: a plain outline of Indonesia (shipped with the app, so it
   draws without any tile server) and one circle per village coloured by its
   overall progress score. No tile layer: nothing is fetched from outside. */
(function () {
  "use strict";
  var element = document.getElementById("village-map");
  if (!element || typeof L === "undefined") { return; }
  var map = L.map(element, { attributionControl: true, zoomSnap: 0.5 }).fitBounds([[-11, 94.5], [6.5, 141.5]]);
  map.attributionControl.setPrefix(false);
  var colours = { high: "#198754", medium: "#ffc107", low: "#dc3545" };
  function band(score) { return score >= 67 ? "high" : score >= 34 ? "medium" : "low"; }

  // The markers get their own pane above the outline, which loads later.
  map.createPane("villages").style.zIndex = 450;
  var outline = L.layerGroup().addTo(map);
  var markers = L.layerGroup().addTo(map);
  fetch(element.dataset.outline)
    .then(function (response) { return response.json(); })
    .then(function (geojson) {
      L.geoJSON(geojson, {
        interactive: false,
        style: { color: "#555", weight: 1, fillColor: "#f8f9fa", fillOpacity: 1 }
      }).addTo(outline);
      map.attributionControl.addAttribution("Natural Earth");
    })
    .catch(function () { /* The markers still show on the plain background. */ });

  // The points come as compact JSON (dashboards.views.map_points), not in
  // the page: [code, name, regency, latitude, longitude, overall score].
  function draw(points) {
    points.forEach(function (row) {
      addPoint({ code: row[0], name: row[1], regency: row[2], lat: row[3], lng: row[4], score: row[5] });
    });
  }

  function addPoint(point) {
    var level = band(point.score);
    var marker = L.circleMarker([point.lat, point.lng], {
      pane: "villages", radius: 7, color: "#222", weight: 1, fillColor: colours[level], fillOpacity: 0.9
    });
    var link = document.createElement("a");
    link.href = element.dataset.dashboardUrl.replace("CODE", point.code);
    link.textContent = point.name;
    var box = document.createElement("div");
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(point.regency));
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(
      element.dataset.labelScore + ": " + point.score + " (" + element.dataset["label" + level.charAt(0).toUpperCase() + level.slice(1)] + ")"
    ));
    marker.bindPopup(box);
    // A village name is text typed by people: Leaflet would insert a string
    // as HTML, so the tooltip gets a node whose text is set, never markup.
    var tip = document.createElement("span");
    tip.textContent = point.name + ": " + point.score;
    marker.bindTooltip(tip);
    marker.addTo(markers);
  }

  fetch(element.dataset.pointsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) { draw(data.points); })
    .catch(function () { /* The table below still lists the villages. */ });
})();
