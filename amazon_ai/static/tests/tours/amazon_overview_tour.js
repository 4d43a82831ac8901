/** @odoo-module **/
// What a person sees going from the Amazon overview to an order's Risk tab,
// its delivery's Amazon tab and a listing with an error (issue #19). The
// records are built by amazon_ai/tests/test_overview_tour.py.
import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Tour seller')";

registry.category("web_tour.tours").add("amazon_overview_tour", {
    steps: () => [
        // The overview: the account's card with its counts in words.
        { content: "The overview is the Amazon app's page", trigger: ".o_breadcrumb:contains('Amazon Overview')" },
        { content: "Orders to ship today", trigger: `${CARD} button[name='action_overview_ship_today']:contains('1 To ship today')` },
        { content: "Late orders", trigger: `${CARD} a[name='action_overview_late']:contains('Late'):contains('1')` },
        { content: "Parked orders", trigger: `${CARD} a[name='action_view_parked']:contains('Parked orders'):contains('1')` },
        { content: "Listings with errors", trigger: `${CARD} a[name='action_overview_listing_errors']:contains('Listings with errors'):contains('1')` },
        { content: "Risk holds", trigger: `${CARD} a[name='action_overview_risk_holds']:contains('Risk holds'):contains('1')` },
        { content: "Client secret expiring in 5 days: red", trigger: `${CARD} a:contains('Client secret expires in'):contains('5 days') span.text-danger:contains('5 days')` },
        { content: "In 20 days: orange", trigger: ".o_kanban_record:contains('Second seller') a:contains('Client secret expires in') span.text-warning:contains('20 days')" },
        { content: "Last sync, in words", trigger: `${CARD} a[name='action_overview_sync_logs']:contains('Last sync:'):contains('Failed'):contains('Failing')` },
        { content: "No technical names on the card", trigger: `${CARD}:not(:contains('amazon.')):not(:contains('overview_')):not(:contains('action_'))` },
        // One click to the orders to ship today, then the order.
        { content: "Open the orders to ship today", trigger: `${CARD} button[name='action_overview_ship_today']`, run: "click" },
        { content: "The list is named after the tile", trigger: ".o_breadcrumb:contains('Tour seller: To ship today')" },
        { content: "The order due today is listed", trigger: ".o_data_row td:contains('113-0000000-0000001')" },
        { content: "The late one is not", trigger: ".o_list_view:not(:contains('113-0000000-0000002'))" },
        { content: "Open the order", trigger: ".o_data_row td:contains('113-0000000-0000001')", run: "click" },
        { content: "The hold is explained", trigger: ".o_form_view .alert:contains('High order risk: the delivery is on hold')" },
        { content: "Open the Risk tab", trigger: ".o_notebook a.nav-link:contains('Risk')", run: "click" },
        { content: "The level in words", trigger: ".o_notebook .tab-pane.active .o_field_widget[name='amazon_risk_level']:contains('High')" },
        { content: "The reason in words", trigger: ".o_notebook .tab-pane.active:contains('The postal code is not valid for the country.')" },
        { content: "The model card link", trigger: ".o_notebook .tab-pane.active button:contains('How is this scored? (model card)')" },
        // The order's delivery and its Amazon tab.
        { content: "Open the delivery", trigger: ".o_form_view button[name='action_view_delivery']", run: "click" },
        { content: "The delivery is open", trigger: ".o_form_view button[name='button_validate']" },
        { content: "Open the Amazon tab", trigger: ".o_form_view .o_notebook a.nav-link:contains('Amazon')", run: "click" },
        { content: "Shipment confirmation", trigger: ".o_notebook .tab-pane.active:contains('Shipment confirmation'):contains('113-0000000-0000001')" },
        { content: "Amazon's promise", trigger: ".o_notebook .tab-pane.active:contains(\"Amazon's promise\"):contains('Ship by'):contains('Deliver by')" },
        { content: "The channel in words", trigger: ".o_notebook .tab-pane.active .o_field_widget[name='amazon_channel']:contains('Merchant (FBM)')" },
        // Back to the overview, then a listing with an error.
        { content: "Back to the overview from the Amazon menu", trigger: ".o_menu_sections [data-menu-xmlid='amazon_connector.menu_amazon_overview']:contains('Overview')", run: "click" },
        { content: "Open the listings with errors", trigger: `${CARD} a[name='action_overview_listing_errors']`, run: "click" },
        { content: "The listing with an error is listed", trigger: ".o_data_row td:contains('TOUR-ERR')" },
        { content: "The one with a warning only is not", trigger: ".o_list_view:not(:contains('TOUR-CLEAN'))" },
        { content: "Open the listing", trigger: ".o_data_row td:contains('TOUR-ERR')", run: "click" },
        { content: "The listing is named by its SKU", trigger: ".o_breadcrumb .active:contains('TOUR-ERR')" },
        { content: "Open the Issues tab", trigger: ".o_notebook a.nav-link:contains('Issues')", run: "click" },
        { content: "The error in words", trigger: ".o_notebook .tab-pane.active:contains('Error'):contains('The price is missing.')" },
    ],
});
